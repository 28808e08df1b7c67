import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ApiResult, GenerateReply, StudioEvents } from '../../src/shared/api'
import type { ModelInfo } from '../../src/shared/manifest'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { electronMock, ipcCall as call, APP_URL } from '../main/electron-mock'
import { fixture } from '../engine/fixtures'
import { realEngineSpawner } from './real-engine'

vi.mock('electron', async () => (await import('../main/electron-mock')).electronModule())

/**
 * A model added in the app can be generated with: the IPC handlers (Add model, generate) in
 * front of a real engine child. Before, generate resolved the model id against the embedded
 * folders only (Add model records the folder in the settings, which generate did not pass on),
 * so an added model answered model_not_found. An ONNX diffusers folder is imported by the engine
 * into the app's models folder, with progress events; a broken one is refused with one line and
 * the engine keeps serving; adding the same folder again gives back the same package.
 */

const FLUX_ONNX = resolve('test/fixtures/diffusers/flux-tiny/onnx')
const tmp = mkdtempSync(join(tmpdir(), 'cs-added-model-'))
const modelsDir = join(tmp, 'app-models')
const settings = new SettingsStore(tmp)
const engine = new EngineHost(realEngineSpawner())
const importEvents: StudioEvents['addModelProgress'][] = []

beforeAll(async () => {
  trustRenderer(new URL(APP_URL))
  const gallery = new GalleryStore(join(tmp, 'gallery'))
  await gallery.open()
  const webContents = {
    isDestroyed: () => false,
    send: (channel: string, payload: unknown) =>
      channel === 'studio:event:addModelProgress' &&
      importEvents.push(payload as StudioEvents['addModelProgress'])
  }
  registerIpcHandlers({
    engine,
    settings,
    gallery: async () => gallery,
    window: () => ({ webContents }) as never,
    modelsDir: () => modelsDir
  })
  engine.start()
})
afterAll(async () => {
  await engine.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

async function addModel(dir: string): Promise<ApiResult<ModelInfo | null>> {
  electronMock.dialogResult = { canceled: false, filePaths: [dir] }
  return call<ModelInfo | null>('addModel', { jobId: 'add-1' })
}

function value<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

describe('a model added through Add model', () => {
  it('our own package generates by its id (before: model_not_found)', async () => {
    const dir = join(tmp, 'my-package')
    cpSync(fixture('tiny-p3'), dir, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, id: 'my-added', name: 'Mine' }))

    const info = value(await addModel(dir))
    expect(info).toMatchObject({ id: 'my-added', path: dir, embedded: false })
    const request = { model: 'my-added', prompt: 'a red circle', seed: 3, steps: 2, provider: 'cpu' }
    const reply = value(await call<GenerateReply>('generate', { jobId: 'added-1', request }))
    expect(reply.recipe).toMatchObject({ model: 'my-added', steps: 2 })
  })

  it('an ONNX diffusers folder is imported into the app models folder, with progress, and generates', async () => {
    const before = readdirSync(FLUX_ONNX, { recursive: true }).sort()
    const info = value(await addModel(FLUX_ONNX))
    if (!info) throw new Error('no model')
    expect(info).toMatchObject({ family: 'flux', precision: 'fp32', sourceDir: FLUX_ONNX, embedded: false })
    expect(info.path.startsWith(modelsDir + '/')).toBe(true)
    expect(existsSync(join(info.path, 'model.json'))).toBe(true)
    // Nothing written into the user's folder.
    expect(readdirSync(FLUX_ONNX, { recursive: true }).sort()).toEqual(before)
    expect(info.transformers[0].blockLists.map((l) => [l.name, l.blocks])).toEqual([
      ['transformer_blocks', 2],
      ['single_transformer_blocks', 4]
    ])
    // flux-tiny's VAE halves once (2 block_out_channels) and FLUX packs 2×2: multiples of 4; sample_size 32, so at most 64.
    expect(info.sizes).toEqual({ multipleOf: 4, max: 64 })
    expect(settings.get().extraModelDirs).toContain(info.path)
    const lines = importEvents.map((e) => e.line)
    expect(importEvents.every((e) => e.folder === FLUX_ONNX)).toBe(true)
    expect(lines[0]).toMatch(/^recognised FluxPipeline/)
    expect(lines.at(-1)).toBe(`imported as ${info.id} (${info.path})`)

    const listed = value(await call<ModelInfo[]>('listModels'))
    expect(listed.map((m) => m.id)).toContain(info.id)
    const request = {
      model: info.id,
      prompt: 'a cat',
      seed: 1,
      steps: 2,
      width: 32,
      height: 32,
      provider: 'cpu'
    }
    const reply = value(await call<GenerateReply>('generate', { jobId: 'flux-1', request }))
    expect([reply.width, reply.height]).toEqual([32, 32])
  })

  it('adding the same folder again gives back the package made before, and says so', async () => {
    const first = value(await call<ModelInfo[]>('listModels')).find((m) => m.family === 'flux')
    importEvents.length = 0
    const again = value(await addModel(FLUX_ONNX))
    expect(again?.id).toBe(first?.id)
    expect(importEvents.at(-1)?.line).toBe(`already imported as ${first?.id} (${first?.path})`)
    expect(readdirSync(modelsDir).filter((d) => !d.startsWith('.'))).toHaveLength(1)
  })

  it('a broken folder is refused with one line naming the file; nothing is added and the engine keeps serving', async () => {
    const dir = join(tmp, 'broken-flux')
    cpSync(FLUX_ONNX, dir, { recursive: true })
    rmSync(join(dir, 'vae_decoder/model.onnx'))
    const dirsBefore = settings.get().extraModelDirs
    const r = await addModel(dir)
    expect(r.ok).toBe(false)
    const message = !r.ok ? r.error.message : ''
    expect(message).toContain('vae_decoder/model.onnx')
    expect(message).not.toContain('\n')
    expect(settings.get().extraModelDirs).toEqual(dirsBefore)
    expect(readdirSync(modelsDir).filter((d) => !d.startsWith('.'))).toHaveLength(1)
    expect(value(await call<ModelInfo[]>('listModels')).length).toBeGreaterThan(0)
  })
})
