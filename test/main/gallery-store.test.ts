import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { entryFrames } from '../../src/main/gallery/frames'
import { ApiFailure } from '../../src/shared/failure'
import { galleryOutput } from './gallery-output'

let root: string
let store: GalleryStore
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'studio-gallery-'))
  store = new GalleryStore(root)
  await store.open()
})
afterEach(() => rm(root, { recursive: true, force: true }))

describe('GalleryStore', () => {
  it('saves an output with its recipe, trace and summary, and reads it back after a restart', async () => {
    const saved = await store.save(galleryOutput('a red circle'))
    expect(await readdir(join(store.entriesDir, saved.id))).toEqual(
      expect.arrayContaining(['image.png', 'entry.json', 'trace.json', 'summary.json'])
    )
    const reopened = new GalleryStore(root)
    await reopened.open()
    const entry = await reopened.get(saved.id)
    expect(entry.recipe.prompt).toBe('a red circle')
    expect(entryFrames(entry)).toEqual(galleryOutput('x').pixels) // the PNG decodes to the pixels saved
  })

  it('lists newest first', async () => {
    const older = await store.save(galleryOutput('first'), new Date('2026-01-01T00:00:00Z'))
    const newer = await store.save(galleryOutput('second'), new Date('2026-01-02T00:00:00Z'))
    expect((await store.list()).map((e) => e.id)).toEqual([newer.id, older.id])
  })

  it('moves a deleted entry to the trash and restores it', async () => {
    const { id } = await store.save(galleryOutput('keep me'))
    await store.delete(id)
    expect(await store.list()).toEqual([])
    expect(await readdir(store.trashDir)).toEqual([id])
    await store.restore(id)
    expect((await store.list()).map((e) => e.id)).toEqual([id])
  })

  it('drops half-written outputs left by a crash when it opens (those its index lists)', async () => {
    const id = '20260101-000000-abcdef'
    const index = JSON.parse(await readFile(join(root, '.cache-studio', 'gallery.json'), 'utf8'))
    await writeFile(join(root, '.cache-studio', 'gallery.json'), JSON.stringify({ ...index, staging: [id] }))
    await mkdir(join(root, '.cache-studio', 'staging', id, 'x'), { recursive: true })
    await new GalleryStore(root).open()
    expect(await readdir(join(root, '.cache-studio', 'staging'))).toEqual([])
  })

  it('EXPECTED FAILURE - unknown ids are not_found, unsafe file names are refused', async () => {
    await expect(store.get('20990101-000000-000000')).rejects.toThrow(ApiFailure)
    await expect(store.restore('20990101-000000-000000')).rejects.toThrow(/nothing to restore/)
    const bad = galleryOutput('x')
    bad.files[0].name = '../escape.png'
    await expect(store.save(bad)).rejects.toThrow(/not a plain file name/)
  })
})
