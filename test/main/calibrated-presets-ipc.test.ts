import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CalibratedPreset } from '../../src/shared/calibrated-presets'
import { saveCalibratedPreset } from '../../src/main/engine/calibrated-store'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { FIXTURE_MODELS, realEngineSpawner } from '../engine-host/real-engine'
import { ipcCall as call, APP_URL } from './electron-mock'
import { calibratedPreset } from '../calibrated-preset'

const paths = vi.hoisted(() => ({ userData: '' }))
vi.mock('electron', async () => {
  const mock = (await import('./electron-mock')).electronModule()
  return { ...mock, app: { ...(mock.app as object), getPath: () => paths.userData } }
})

/** `studio calibrate` writes presets; the preset picker asks main for its model's through this call. */
let dir: string
let engine: EngineHost
let userModel: string

const preset = calibratedPreset

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-calibrated-'))
  paths.userData = join(dir, 'user-data')
  // A user model: a copy of a fixture under another id, in a folder the settings list.
  userModel = join(dir, 'models', 'tiny-mine')
  await cp(join(FIXTURE_MODELS, 'tiny-image'), userModel, { recursive: true })
  const manifest = JSON.parse(await readFile(join(userModel, 'model.json'), 'utf8'))
  await writeFile(join(userModel, 'model.json'), JSON.stringify({ ...manifest, id: 'tiny-mine' }))
  trustRenderer(new URL(APP_URL))
  const settings = new SettingsStore(dir)
  await settings.load()
  await settings.set({ extraModelDirs: [join(dir, 'models')] })
  const gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  engine = new EngineHost(realEngineSpawner())
  registerIpcHandlers({ engine, settings, gallery: async () => gallery, window: () => undefined })
  engine.start()
})
afterAll(async () => {
  await engine.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe('listCalibratedPresets', () => {
  it('offers what studio calibrate saved for an embedded model (user data), its own only, newest first', async () => {
    const file = join(paths.userData, 'calibrated-presets.json')
    // The writer `studio calibrate` uses.
    await saveCalibratedPreset(file, preset())
    await saveCalibratedPreset(
      file,
      preset({
        targetPsnrDb: 35,
        label: 'F1B0 calibrated (PSNR ≥ 35 dB)',
        createdAt: '2026-11-26T08:00:00.000Z'
      })
    )
    await saveCalibratedPreset(file, preset({ modelId: 'tiny-video' }))
    const r = await call<CalibratedPreset[]>('listCalibratedPresets', { modelId: 'tiny-image' })
    expect(r.ok && r.value.map((p) => [p.modelId, p.targetPsnrDb])).toEqual([
      ['tiny-image', 35],
      ['tiny-image', 30]
    ])
  })

  it("reads a user model's presets from its own folder", async () => {
    await saveCalibratedPreset(join(userModel, 'calibrated-presets.json'), preset({ modelId: 'tiny-mine' }))
    const r = await call<CalibratedPreset[]>('listCalibratedPresets', { modelId: 'tiny-mine' })
    expect(r.ok && r.value.map((p) => p.label)).toEqual(['F1B0 calibrated (PSNR ≥ 30 dB)'])
  })

  it('refuses a bad payload, an unknown model, a corrupt file and a FIFO, naming the problem', async () => {
    const bad = await call('listCalibratedPresets', { modelId: 7 })
    expect(!bad.ok && bad.error).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/modelId/)
    })
    const unknown = await call('listCalibratedPresets', { modelId: 'nope' })
    expect(!unknown.ok && unknown.error.code).toBe('not_found')

    const file = join(userModel, 'calibrated-presets.json')
    await writeFile(
      file,
      JSON.stringify({ format: 'cache-studio-calibrated-presets/1', presets: [{ modelId: '' }] })
    )
    const corrupt = await call('listCalibratedPresets', { modelId: 'tiny-mine' })
    expect(!corrupt.ok && corrupt.error).toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('calibrated-presets.json')
    })

    await rm(file)
    execFileSync('mkfifo', [file])
    const fifo = await call('listCalibratedPresets', { modelId: 'tiny-mine' })
    expect(!fifo.ok && fifo.error.message).toMatch(/calibrated-presets\.json: not a regular file/)
  })
})
