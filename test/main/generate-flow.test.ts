import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { GenerateReply, StudioEvents } from '../../src/shared/api'
import type { GalleryEntry } from '../../src/shared/gallery'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { realEngineSpawner } from '../engine-host/real-engine'
import { ipcCall as call, APP_URL } from './electron-mock'
import { disk } from './full-disk'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('./full-disk')).fullDiskFsPromises(await importOriginal())
)

/** The main process's generate path end to end: IPC handler → engine child → gallery on disk. */
const progress: StudioEvents['generateProgress'][] = []
let dir: string
let engine: EngineHost
let gallery: GalleryStore

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-generate-'))
  trustRenderer(new URL(APP_URL))
  gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  engine = new EngineHost(realEngineSpawner())
  const webContents = {
    isDestroyed: () => false,
    send: (channel: string, payload: StudioEvents['generateProgress']) =>
      channel === 'studio:event:generateProgress' && progress.push(payload)
  }
  registerIpcHandlers({
    engine,
    settings: new SettingsStore(dir),
    gallery: async () => gallery,
    window: () => ({ webContents }) as never
  })
  engine.start()
})
afterAll(async () => {
  await engine.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe('generate through IPC', () => {
  it('streams progress tagged with the job id, saves the output and answers its gallery entry', async () => {
    const request = { model: 'tiny-image', prompt: 'a red circle', seed: 5, steps: 3 }
    const reply = await call<GenerateReply>('generate', { jobId: 'job-1', request })
    if (!reply.ok) throw new Error(reply.error.message)
    expect(reply.value).toMatchObject({
      kind: 'image',
      recipe: { prompt: 'a red circle', seed: 5, steps: 3 }
    })
    expect(reply.value).not.toHaveProperty('pixels') // pixels stay in main; the renderer reads the gallery
    expect(progress.map((p) => [p.jobId, p.event.step])).toEqual([
      ['job-1', 0],
      ['job-1', 1],
      ['job-1', 2]
    ])
    const entry = await call<GalleryEntry>('getGalleryEntry', { id: reply.value.entryId })
    expect(entry.ok && entry.value.files.map((f) => f.name)).toContain('image.png')
    expect(await readdir(join(dir, 'gallery', 'entries'))).toEqual([reply.value.entryId])
  })

  it('cancels a running job by its id; nothing reaches the gallery', async () => {
    const before = await gallery.list()
    const running = call('generate', {
      jobId: 'job-2',
      request: { model: 'tiny-image', prompt: 'x', seed: 1, steps: 400 }
    })
    await vi.waitFor(() => expect(progress.some((p) => p.jobId === 'job-2')).toBe(true), { timeout: 30_000 })
    expect(await call('cancelGenerate', { jobId: 'job-2' })).toEqual({ ok: true, value: { cancelled: true } })
    expect(await running).toEqual({
      ok: false,
      error: { code: 'cancelled', message: 'generation cancelled' }
    })
    expect(await gallery.list()).toEqual(before)
    expect(await call('cancelGenerate', { jobId: 'job-2' })).toEqual({
      ok: true,
      value: { cancelled: false }
    })
  })
  it('a full disk fails the call with disk_full; the gallery keeps its entries and the next generate saves', async () => {
    const before = await gallery.list()
    const request = { model: 'tiny-image', prompt: 'a blue square', seed: 9, steps: 2 }
    disk.full = true
    const reply = await call<GenerateReply>('generate', { jobId: 'job-3', request }).finally(() => {
      disk.full = false
    })
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error.code).toBe('disk_full')
    expect(reply.error.message).toMatch(/generated but could not be saved: the disk is full/)
    expect(await gallery.list()).toEqual(before)
    const again = await call<GenerateReply>('generate', { jobId: 'job-4', request })
    expect(again.ok).toBe(true)
    expect((await gallery.list()).length).toBe(before.length + 1)
  })
})
