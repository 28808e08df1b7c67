import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { StudioEvents } from '../../src/shared/api'
import type { ModelInfo } from '../../src/shared/manifest'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { registerModelHandlers } from '../../src/main/ipc/model-handlers'
import type { Services } from '../../src/main/ipc/services'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { realEngineSpawner } from '../engine-host/real-engine'
import { writeManyNodeTransformer } from '../engine/many-node-transformer'
import { FLUX_TINY } from '../import/helpers'
import { electronMock, ipcCall as call, APP_URL } from './electron-mock'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

/**
 * Cancel for Add model (api.ts, cancelAddModel): the renderer names the job it started, main's
 * handler aborts the engine host's importModel, the host sends the engine `cancel` for that
 * request, and the import thread ends with nothing left in the models folder. The folder is a
 * FLUX-shaped graph of ~80k nodes (engine/many-node-transformer.ts), so the import is still
 * cutting it when the cancel comes. Before, an import could not be stopped from the app.
 */

const tmp = mkdtempSync(join(tmpdir(), 'cs-add-model-cancel-'))
const folder = join(tmp, 'flux-many')
const modelsDir = join(tmp, 'models')
const progress: StudioEvents['addModelProgress'][] = []
mkdirSync(join(tmp, 'settings'))
const settings = new SettingsStore(join(tmp, 'settings'))
const engine = new EngineHost(realEngineSpawner())

beforeAll(() => {
  cpSync(join(FLUX_TINY, 'onnx'), folder, { recursive: true })
  for (const f of readdirSync(join(folder, 'transformer')))
    if (f !== 'config.json') rmSync(join(folder, 'transformer', f))
  writeManyNodeTransformer(join(folder, 'transformer'), 57, 1400)
  const webContents = {
    isDestroyed: () => false,
    send: (channel: string, payload: StudioEvents['addModelProgress']) =>
      channel === 'studio:event:addModelProgress' && progress.push(payload)
  }
  trustRenderer(new URL(APP_URL))
  registerModelHandlers({
    engine,
    settings,
    window: () => ({ webContents }),
    modelsDir: () => modelsDir
  } as unknown as Services)
  engine.start()
}, 120_000)
afterAll(async () => {
  await engine.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

const modelsFolder = (): string[] => (existsSync(modelsDir) ? readdirSync(modelsDir) : [])

describe('cancelAddModel', () => {
  it('BAD CALL - without a job id it is refused; for a job that is not running it answers cancelled: false', async () => {
    expect(await call('cancelAddModel', {})).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    expect(await call('addModel')).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    expect(await call('cancelAddModel', { jobId: 'import-none' })).toEqual({
      ok: true,
      value: { cancelled: false }
    })
  })

  it('EXPECTED FAILURE - a cancel while the graph is cut ends the import as cancelled, leaves no package and adds nothing', async () => {
    electronMock.dialogResult = { canceled: false, filePaths: [folder] }
    const adding = call<ModelInfo | null>('addModel', { jobId: 'import-1' })
    await vi.waitFor(() => expect(progress.some((p) => p.line.startsWith('cutting '))).toBe(true), {
      timeout: 60_000,
      interval: 5
    })
    expect(await call('cancelAddModel', { jobId: 'import-1' })).toEqual({
      ok: true,
      value: { cancelled: true }
    })
    expect(await adding).toEqual({ ok: false, error: { code: 'cancelled', message: 'import cancelled' } })
    expect(progress.some((p) => p.line.startsWith('imported as '))).toBe(false)
    expect(modelsFolder()).toEqual([])
    expect(settings.get().extraModelDirs).toEqual([])
    // The job is over: cancelling it again finds nothing.
    expect(await call('cancelAddModel', { jobId: 'import-1' })).toEqual({
      ok: true,
      value: { cancelled: false }
    })
  }, 120_000)

  it('the engine keeps serving: the same folder imports after the cancel, under the same job id', async () => {
    expect((await engine.request('status', {})).version).toBeTruthy()
    electronMock.dialogResult = { canceled: false, filePaths: [folder] }
    const again = await call<ModelInfo | null>('addModel', { jobId: 'import-1' })
    expect(again).toMatchObject({ ok: true, value: { id: 'flux-many', family: 'flux' } })
    expect(modelsFolder()).toEqual(['flux-many'])
    expect(settings.get().extraModelDirs).toEqual([join(modelsDir, 'flux-many')])
  }, 120_000)
})
