import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ApiResult } from '../../src/shared/api'
import type { ModelInfo } from '../../src/shared/manifest'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { registerModelHandlers } from '../../src/main/ipc/model-handlers'
import type { Services } from '../../src/main/ipc/services'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { electronMock } from '../main/electron-mock'
import { fixture } from '../engine/fixtures'
import { realEngineSpawner } from './real-engine'

vi.mock('electron', async () => (await import('../main/electron-mock')).electronModule())

/**
 * Add model in the app (IPC handler → engine child): a folder with a FIFO, a symlink or a latent
 * that cannot fit is refused with one line naming the file (or the model), nothing is added to
 * the settings, and the engine keeps answering. Before, a FIFO among the graphs was added (only
 * its size was looked at) and a FIFO as model.json wedged the engine's read.
 */

const APP_URL = 'app://studio/index.html'
const tmp = mkdtempSync(join(tmpdir(), 'cs-add-model-'))
mkdirSync(join(tmp, 'settings'))
const settings = new SettingsStore(join(tmp, 'settings'))
const engine = new EngineHost(realEngineSpawner())

beforeAll(() => {
  trustRenderer(new URL(APP_URL))
  registerModelHandlers({ engine, settings, window: () => undefined } as unknown as Services)
  engine.start()
})
afterAll(async () => {
  await engine.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

async function addModel(dir: string): Promise<ApiResult<ModelInfo | null>> {
  electronMock.dialogResult = { canceled: false, filePaths: [dir] }
  const handler = electronMock.handlers.get('studio:call:addModel')
  if (!handler) throw new Error('addModel is not registered')
  return (await handler({ senderFrame: { url: APP_URL } }, { jobId: 'add-1' })) as ApiResult<ModelInfo | null>
}

function copyOf(name: string, as: string): string {
  const dir = join(tmp, as)
  cpSync(fixture(name), dir, { recursive: true })
  return dir
}

describe.runIf(process.platform !== 'win32')(
  'Add model refuses an untrusted folder it cannot read safely',
  () => {
    it('EXPECTED FAILURE - a FIFO among the graphs: model_invalid naming the file, settings unchanged', async () => {
      const dir = copyOf('tiny-p3', 'fifo-block')
      unlinkSync(join(dir, 'transformer/blocks_02.onnx'))
      execFileSync('mkfifo', [join(dir, 'transformer/blocks_02.onnx')])
      const r = await addModel(dir)
      expect(r).toEqual({
        ok: false,
        error: {
          code: 'model_invalid',
          message: 'transformer/blocks_02.onnx: is a FIFO (named pipe); only regular files are read'
        }
      })
      expect(settings.get().extraModelDirs).toEqual([])
    })

    it('EXPECTED FAILURE - a FIFO as model.json answers at once and the engine keeps serving', async () => {
      const dir = copyOf('tiny-p3', 'fifo-manifest')
      unlinkSync(join(dir, 'model.json'))
      execFileSync('mkfifo', [join(dir, 'model.json')])
      const r = await addModel(dir)
      expect(r.ok).toBe(false)
      expect(!r.ok && r.error.message).toBe(
        `${join(dir, 'model.json')}: is a FIFO (named pipe); only regular files are read`
      )
      expect((await engine.request('status', {})).version).toBeTruthy()
    }, 10_000)

    it('EXPECTED FAILURE - tokenizer.json linked to /dev/zero is refused naming it', async () => {
      const dir = copyOf('tiny-p3', 'zero-tokenizer')
      unlinkSync(join(dir, 'tokenizer.json'))
      symlinkSync('/dev/zero', join(dir, 'tokenizer.json'))
      const r = await addModel(dir)
      expect(!r.ok && r.error).toEqual({
        code: 'model_invalid',
        message: 'tokenizer.json: is a symbolic link; only regular files are read'
      })
    })

    it('EXPECTED FAILURE - a latent that cannot fit this machine is refused as resources naming the model', async () => {
      const dir = copyOf('tiny-p3', 'huge-latent')
      const path = join(dir, 'model.json')
      const m = JSON.parse(readFileSync(path, 'utf8'))
      Object.assign(m.latent, { channels: 4, height: 30000, width: 30000 })
      writeFileSync(path, JSON.stringify(m))
      const r = await addModel(dir)
      expect(!r.ok && r.error.code).toBe('resources')
      expect(!r.ok && r.error.message).toMatch(
        /^tiny-p3: needs about .+ GiB of memory to generate, more than this machine's/
      )
      expect(settings.get().extraModelDirs).toEqual([])
    })

    it('adds a sound folder', async () => {
      const dir = copyOf('tiny-p3', 'sound')
      const r = await addModel(dir)
      expect(r.ok && r.value?.id).toBe('tiny-p3')
      expect(settings.get().extraModelDirs).toEqual([dir])
    })
  }
)
