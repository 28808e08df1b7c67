import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { ApiFailure } from '../../src/shared/failure'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { disk } from './full-disk'
import { galleryOutput } from './gallery-output'

vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('./full-disk')).fullDiskFsPromises(await importOriginal())
)

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'studio-full-disk-'))
})
afterEach(async () => {
  disk.full = false
  disk.fullUnder = null
  await rm(root, { recursive: true, force: true })
})

async function failure(p: Promise<unknown>): Promise<ApiFailure> {
  const e = await p.then(
    () => null,
    (err: unknown) => err
  )
  if (!(e instanceof ApiFailure)) throw new Error(`expected an ApiFailure, got ${String(e)}`)
  return e
}

describe('a full disk', () => {
  it('fails a gallery save with disk_full, leaves no half-written folder, and keeps what was saved', async () => {
    const store = new GalleryStore(root)
    await store.open()
    const kept = await store.save(galleryOutput('saved before'))
    const keptPng = await readFile(join(store.entriesDir, kept.id, 'image.png'))

    disk.full = true
    const e = await failure(store.save(galleryOutput('too late')))
    expect(e.code).toBe('disk_full')
    expect(e.message).toMatch(
      /generated but could not be saved: the disk is full .*Nothing saved before was changed/
    )
    expect(await readdir(join(root, '.cache-studio', 'staging'))).toEqual([])
    expect(await readdir(store.entriesDir)).toEqual([kept.id])
    expect((await store.list()).map((m) => m.recipe.prompt)).toEqual(['saved before'])
    expect(await readFile(join(store.entriesDir, kept.id, 'image.png'))).toEqual(keptPng)

    disk.full = false // space freed: the next save works
    await store.save(galleryOutput('after'))
    expect((await store.list()).map((m) => m.recipe.prompt).sort()).toEqual(['after', 'saved before'])
  })

  it('a disk that fills while the output is written: disk_full, the half-written folder removed, the index clean', async () => {
    const store = new GalleryStore(root)
    await store.open()
    const kept = await store.save(galleryOutput('saved before'))
    // The index still takes its write; the output's own files do not.
    disk.fullUnder = join(root, '.cache-studio', 'staging')
    const e = await failure(store.save(galleryOutput('too late')))
    expect(e.code).toBe('disk_full')
    expect(await readdir(join(root, '.cache-studio', 'staging'))).toEqual([])
    expect(await readdir(store.entriesDir)).toEqual([kept.id])

    disk.fullUnder = null
    const reopened = new GalleryStore(root)
    await reopened.open()
    expect(reopened.notices()).toEqual([]) // nothing of the failed save left to set aside
    await reopened.save(galleryOutput('after'))
    expect((await reopened.list()).map((m) => m.recipe.prompt).sort()).toEqual(['after', 'saved before'])
  })

  it('fails an export with disk_full and removes the partial copy, not the entry', async () => {
    const store = new GalleryStore(join(root, 'gallery'))
    await store.open()
    const entry = await store.save(galleryOutput('to export'))
    disk.full = true
    const e = await failure(store.exportTo(entry.id, root))
    expect(e.code).toBe('disk_full')
    expect((await readdir(root)).filter((n) => n.startsWith('cache-studio-'))).toEqual([])
    disk.full = false
    expect((await store.get(entry.id)).recipe.prompt).toBe('to export')
  })

  it('fails a settings change with disk_full and keeps the previous settings, on disk and in force', async () => {
    const settings = new SettingsStore(root)
    await settings.load()
    await settings.set({ threads: 1 })
    const before = await readFile(settings.path, 'utf8')
    disk.full = true
    const e = await failure(settings.set({ threads: 2 }))
    expect(e.code).toBe('disk_full')
    expect(settings.get().threads).toBe(1)
    expect(await readFile(settings.path, 'utf8')).toBe(before)
    expect((await readdir(root)).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})
