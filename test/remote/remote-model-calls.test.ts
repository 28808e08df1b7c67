import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CalibratedPreset } from '../../src/shared/calibrated-presets'
import type { PromptTokens } from '../../src/shared/generation'
import type { ModelInfo } from '../../src/shared/manifest'
import type { Engine } from '../../src/main/engine/engine'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { appEngine } from '../../src/main/remote/app-engine'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { ipcCall as call, APP_URL } from '../main/electron-mock'
import { localEngine, startServe, type StudioProcess } from '../serve/studio-process'
import { calibratedPreset, userModelWithPresets } from './calibrated-fixture'
import { PLAIN_MODEL, PLAIN_TOKEN, startPlainServer, type PlainServer } from './plain-server'
import { remoteOnlyLocal } from './remote-only-local'

vi.mock('electron', async () => (await import('../main/electron-mock')).electronModule())

/**
 * The prompt's token count and the calibrated presets through the real IPC handlers, as the
 * generate view asks for them: on a remote engine both come from the server that runs the model
 * (a `studio serve` on loopback), never from this machine — even for a model id this machine
 * has, with presets of its own. A plain OpenAI-Images server has neither: the count is
 * unavailable and there are no presets.
 */
const LOCAL_LABEL = 'F1B0 calibrated here (PSNR ≥ 30 dB)'
const SERVER_LABEL = 'F1B0 calibrated on the server (PSNR ≥ 33 dB)'

let dir: string
let localModel: ModelInfo
let serve: { server: StudioProcess; url: string; token: string }
let plain: PlainServer
let engine: Engine

/** This machine's engine: it has `tiny-mine` (with its own presets) and must not be asked to count. */
const local = remoteOnlyLocal({ models: () => [localModel] })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-remote-calls-'))
  const localDir = await userModelWithPresets(join(dir, 'local-models'), [
    calibratedPreset({ label: LOCAL_LABEL })
  ])
  localModel = { id: 'tiny-mine', name: 'Mine', path: localDir, embedded: false } as ModelInfo
  await userModelWithPresets(join(dir, 'server-models'), [
    calibratedPreset({ label: SERVER_LABEL, targetPsnrDb: 33 })
  ])
  ;[serve, plain, engine] = await Promise.all([
    startServe(['--models-dir', join(dir, 'server-models')]),
    startPlainServer(),
    localEngine()
  ])
  trustRenderer(new URL(APP_URL))
  const settings = new SettingsStore(dir)
  await settings.load()
  const gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  registerIpcHandlers({
    engine: appEngine(local, settings),
    settings,
    gallery: async () => gallery,
    window: () => undefined
  })
}, 120_000)

afterAll(async () => {
  await Promise.all([serve?.server.stop(), plain?.close(), engine?.dispose()])
  await rm(dir, { recursive: true, force: true })
})

async function value<T>(name: string, ...args: unknown[]): Promise<T> {
  const r = await call<T>(name, ...args)
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`)
  return r.value
}
const labels = async (modelId: string) =>
  (await value<CalibratedPreset[]>('listCalibratedPresets', { modelId })).map((p) => p.label)

describe('token count and calibrated presets on a remote engine', () => {
  it("local: this machine's presets for its model", async () => {
    expect(await labels('tiny-mine')).toEqual([LOCAL_LABEL])
  })

  it("studio serve: the server's presets for the same model id, and its tokenizer's count", async () => {
    await value('setEngine', { mode: 'remote', url: serve.url, token: serve.token })
    expect(await labels('tiny-mine')).toEqual([SERVER_LABEL])
    expect(await labels('tiny-image')).toEqual([])
    const text = 'a red circle at the center on a blue background and a zqxv'
    const tokens = await value<PromptTokens>('countTokens', { model: 'tiny-image', text })
    expect(tokens).toEqual(await engine.countTokens({ model: 'tiny-image', text, extraModelDirs: [] }))
    const unknown = await call('countTokens', { model: 'nope', text })
    expect(!unknown.ok && unknown.error.code).toBe('model_not_found')
  })

  it("a plain server: no presets (not this machine's), and the count is said to be unavailable", async () => {
    await value('setEngine', { mode: 'remote', url: plain.url, token: PLAIN_TOKEN })
    expect(await labels('tiny-mine')).toEqual([])
    expect(await labels(PLAIN_MODEL)).toEqual([])
    const count = await call('countTokens', { model: PLAIN_MODEL, text: 'a red square' })
    expect(count).toMatchObject({
      ok: false,
      error: {
        message: `unavailable: ${plain.url} is a plain OpenAI Images API server: it does not count a prompt's tokens`
      }
    })
  })

  it('back to local: the local presets again', async () => {
    await value('setEngine', { mode: 'local' })
    expect(await labels('tiny-mine')).toEqual([LOCAL_LABEL])
  })
})
