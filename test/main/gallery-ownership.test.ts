import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GalleryFolders } from '../../src/main/gallery/gallery-folders'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { ApiFailure } from '../../src/shared/failure'
import { galleryOutput } from './gallery-output'

let dir: string
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'studio-own-'))))
afterEach(() => rm(dir, { recursive: true, force: true }))

async function failure(p: Promise<unknown>): Promise<ApiFailure> {
  const e = await p.then(
    () => null,
    (err: unknown) => err
  )
  if (!(e instanceof ApiFailure)) throw new Error(`expected an ApiFailure, got ${String(e)}`)
  return e
}

async function opened(root: string): Promise<GalleryStore> {
  const store = new GalleryStore(root)
  await store.open()
  return store
}

describe('the gallery owns only what it made', () => {
  it("EXPECTED FAILURE - a folder with someone else's files is refused, saying why, and nothing in it is touched", async () => {
    await mkdir(join(dir, 'trash', 'old-photos'), { recursive: true })
    await writeFile(join(dir, 'trash', 'old-photos', 'keep.jpg'), 'mine')
    await mkdir(join(dir, 'staging'))
    await writeFile(join(dir, 'staging', 'draft.txt'), 'mine too')
    const e = await failure(opened(dir))
    expect(e.code).toBe('bad_request')
    expect(e.message).toBe(
      `gallery: ${dir} is not empty and is not a Cache Studio gallery (no .cache-studio/gallery.json); choose an empty folder or one the studio made`
    )
    expect(await readFile(join(dir, 'trash', 'old-photos', 'keep.jpg'), 'utf8')).toBe('mine')
    expect(await readFile(join(dir, 'staging', 'draft.txt'), 'utf8')).toBe('mine too')
    expect((await readdir(dir)).sort()).toEqual(['staging', 'trash'])
  })

  it('marks an empty folder as a studio gallery and keeps its working folders under .cache-studio/', async () => {
    const store = await opened(dir)
    await store.save(galleryOutput('x'))
    expect((await readdir(dir)).sort()).toEqual(['.cache-studio', 'entries'])
    expect((await readdir(join(dir, '.cache-studio'))).sort()).toEqual(['gallery.json', 'staging', 'trash'])
    const index = JSON.parse(await readFile(join(dir, '.cache-studio', 'gallery.json'), 'utf8'))
    expect(index).toMatchObject({ format: 'cache-studio-gallery', version: 1, staging: [], trash: [] })
  })

  it("empties only the trash its index lists: a user's folder put in the trash survives reopening", async () => {
    const store = await opened(dir)
    const { id } = await store.save(galleryOutput('deleted'))
    await store.delete(id)
    await mkdir(join(dir, '.cache-studio', 'trash', '20260101-000000-aaaaaa'))
    await writeFile(join(dir, '.cache-studio', 'trash', '20260101-000000-aaaaaa', 'note.txt'), 'mine')
    await writeFile(join(dir, 'notes.txt'), 'also mine') // the user's file beside the gallery
    await opened(dir)
    expect(await readdir(join(dir, '.cache-studio', 'trash'))).toEqual(['20260101-000000-aaaaaa'])
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('also mine')
  })

  it('EXPECTED FAILURE - a corrupt gallery.json is kept aside with a notice; the entries stay and nothing is removed', async () => {
    const store = await opened(dir)
    const { id } = await store.save(galleryOutput('kept'))
    await mkdir(join(dir, '.cache-studio', 'trash', '20260101-000000-eeeeee'))
    await writeFile(join(dir, '.cache-studio', 'gallery.json'), '{ "format": ')
    const reopened = await opened(dir)
    expect(reopened.notices()).toEqual([
      expect.stringMatching(
        /^gallery: .*gallery\.json: not valid JSON .*\(kept as .*gallery\.json\.invalid-\d+; a new index was started\)$/
      )
    ])
    expect((await reopened.list()).map((m) => m.id)).toEqual([id])
    expect(await readdir(join(dir, '.cache-studio', 'trash'))).toEqual(['20260101-000000-eeeeee'])
  })

  it('EXPECTED FAILURE - a relative output folder is refused by name', async () => {
    const e = await failure(new GalleryFolders().at('outputs/gallery'))
    expect(e.message).toBe('gallery: the output folder must be an absolute path, not "outputs/gallery"')
  })

  it('EXPECTED FAILURE - a folder that cannot be written is reported, and taken once fixed, without a restart', async () => {
    // A file where a parent folder should be: mkdir fails (ENOTDIR) even for root, as EACCES would not.
    const blocker = join(dir, 'blocked')
    await writeFile(blocker, '')
    const folders = new GalleryFolders()
    const e = await failure(folders.at(join(blocker, 'gallery')))
    expect(e.code).toBe('io')
    expect(e.message).toMatch(/^gallery: cannot use the output folder .*blocked\/gallery: ENOTDIR/)
    await rm(blocker)
    const store = await folders.at(join(blocker, 'gallery'))
    expect(await store.list()).toEqual([])
  })

  it('keeps working on a gallery of the old layout (the default folder): entries kept, old working folders adopted', async () => {
    const old = await opened(join(dir, 'scratch')) // a gallery as the studio writes entries
    const kept = await old.save(galleryOutput('before the update'))
    const root = join(dir, 'legacy')
    await mkdir(join(root, 'trash', '20250101-000000-bbbbbb'), { recursive: true })
    await mkdir(join(root, 'staging', '20250101-000000-cccccc'), { recursive: true })
    await mkdir(join(root, 'entries'))
    await writeFile(join(root, 'entries', '.DS_Store'), '') // Finder's, in a folder the user looked into
    const { cp } = await import('node:fs/promises')
    await cp(join(old.entriesDir, kept.id), join(root, 'entries', kept.id), { recursive: true })

    const store = await opened(root)
    expect((await store.list()).map((m) => m.recipe.prompt)).toEqual(['before the update'])
    expect((await readdir(root)).sort()).toEqual(['.cache-studio', 'entries'])
    expect(await readdir(join(root, '.cache-studio', 'trash'))).toEqual([])
    expect((await store.get(kept.id)).recipe.prompt).toBe('before the update')
  })

  it('EXPECTED FAILURE - an old-layout look-alike holding a file the studio did not write is refused', async () => {
    for (const d of ['entries', 'trash', 'staging']) await mkdir(join(dir, d))
    await writeFile(join(dir, 'trash', 'thesis.pdf'), 'mine')
    expect((await failure(opened(dir))).message).toMatch(/is not empty and is not a Cache Studio gallery/)
    expect(await readdir(join(dir, 'trash'))).toEqual(['thesis.pdf'])
  })
})

describe('entry files are read only from inside the entry folder', () => {
  let store: GalleryStore
  let id: string
  beforeEach(async () => {
    store = await opened(join(dir, 'gallery'))
    id = (await store.save(galleryOutput('planted'))).id
  })

  async function plantName(name: string): Promise<void> {
    const path = join(store.entriesDir, id, 'entry.json')
    const meta = JSON.parse(await readFile(path, 'utf8'))
    meta.files[0].name = name
    await writeFile(path, JSON.stringify(meta))
  }

  it('EXPECTED FAILURE - a planted ../../../etc/hostname is not read: the entry is corrupt, set aside, and noticed', async () => {
    await plantName('../../../etc/hostname')
    const e = await failure(store.get(id))
    expect(e.code).toBe('corrupt')
    expect(e.message).toMatch(
      new RegExp(
        `^gallery: entry ${id} is corrupt: entry.json: invalid payload: files.0.name: not a plain file name \\(kept aside as .*${id}\\.corrupt-\\d+\\)$`
      )
    )
    expect(await store.list()).toEqual([])
    expect((await readdir(store.entriesDir))[0]).toMatch(new RegExp(`^${id}\\.corrupt-\\d+$`))
    expect(store.notices()).toEqual([e.message])
  })

  it('EXPECTED FAILURE - a listed file that is a symlink (to a file outside) is refused, not followed', async () => {
    const outside = join(dir, 'secret.txt')
    await writeFile(outside, 'secret')
    await rm(join(store.entriesDir, id, 'image.png'))
    await symlink(outside, join(store.entriesDir, id, 'image.png'))
    const e = await failure(store.get(id))
    expect(e.code).toBe('corrupt')
    expect(e.message).toMatch(/is corrupt: image\.png is a symbolic link \(kept aside as /)
    expect(e.message).not.toContain('secret')
  })

  it.skipIf(process.platform === 'win32')(
    'EXPECTED FAILURE - a FIFO as a listed file is refused without hanging',
    async () => {
      await rm(join(store.entriesDir, id, 'image.png'))
      execFileSync('mkfifo', [join(store.entriesDir, id, 'image.png')])
      expect((await failure(store.get(id))).message).toMatch(/image\.png is not a regular file/)
    }
  )

  it('EXPECTED FAILURE - trace.json as a symlink is refused too', async () => {
    await rm(join(store.entriesDir, id, 'trace.json'))
    await symlink('/etc/hostname', join(store.entriesDir, id, 'trace.json'))
    expect((await failure(store.get(id))).message).toMatch(/trace\.json is a symbolic link/)
  })

  it('EXPECTED FAILURE - an entry folder that is a symlink to a folder elsewhere is not listed: it is set aside with a notice', async () => {
    await mkdir(join(dir, 'elsewhere'))
    const linked = '20260301-000000-dddddd'
    await symlink(join(dir, 'elsewhere'), join(store.entriesDir, linked))
    expect((await store.list()).map((m) => m.id)).toEqual([id])
    expect(store.notices()).toEqual([
      expect.stringMatching(
        new RegExp(`^gallery: entry ${linked} is corrupt: ${linked} is a symbolic link \\(kept aside as `)
      )
    ])
    expect(await readdir(join(dir, 'elsewhere'))).toEqual([]) // the target is untouched
  })

  it('EXPECTED FAILURE - an entry.json that is not JSON is set aside, not dropped silently, and not deleted', async () => {
    await writeFile(join(store.entriesDir, id, 'entry.json'), '{ not json')
    expect(await store.list()).toEqual([])
    expect(store.notices()[0]).toMatch(
      new RegExp(`^gallery: entry ${id} is corrupt: entry.json is not valid JSON`)
    )
    const keptAs = (await readdir(store.entriesDir)).find((n) => n.startsWith(`${id}.corrupt-`))!
    expect(await readFile(join(store.entriesDir, keptAs, 'entry.json'), 'utf8')).toBe('{ not json')
  })
})
