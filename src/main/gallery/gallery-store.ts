import { cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EntryIdSchema, type GalleryEntry, type GalleryEntryMeta } from '../../shared/gallery'
import type { GenerationOutput } from '../../shared/generation'
import { ApiFailure, errorText, isDiskFull, storageFailure } from '../../shared/failure'
import { syncDir } from '../engine/atomic-write'
import { PLAIN_FILE_NAME } from '../storage/confined-read'
import { CorruptEntry, readEntryBody, readEntryMeta } from './entry-reader'
import { isOwnEntryId, newEntryId } from './entry-id'
import type { GalleryIndex } from './gallery-index'
import { galleryPaths, openGalleryLayout, type GalleryPaths } from './gallery-layout'

/**
 * Outputs on disk, one folder per output in `entries/`: the encoded files plus entry.json (what the
 * list shows, with the full recipe), trace.json and summary.json. A folder is written under
 * `.cache-studio/staging/` and renamed into place when complete, so the gallery never shows half an
 * output. Delete moves the folder to `.cache-studio/trash/` so it can be restored. The layout, and
 * what the gallery may remove, is in gallery-layout.ts.
 */
export class GalleryStore {
  readonly entriesDir: string
  readonly trashDir: string
  readonly #paths: GalleryPaths
  #index: GalleryIndex | undefined
  readonly #notices: string[] = []
  readonly #settingAside = new Map<string, Promise<string>>()

  constructor(readonly root: string) {
    this.#paths = galleryPaths(root)
    this.entriesDir = this.#paths.entries
    this.trashDir = this.#paths.trash
  }

  /** Refuses a folder that is not the studio's (see openGalleryLayout), then drops last session's leftovers. */
  async open(): Promise<void> {
    this.#index = await openGalleryLayout(this.root, this.#notices)
  }

  /** One line for each thing found wrong on disk and set aside (not deleted) this session. */
  notices(): readonly string[] {
    return this.#notices
  }

  async save(result: GenerationOutput, now = new Date()): Promise<GalleryEntryMeta> {
    const index = this.#opened()
    const id = newEntryId(now)
    const meta: GalleryEntryMeta = {
      id,
      createdAt: now.toISOString(),
      kind: result.kind,
      width: result.width,
      height: result.height,
      frames: result.frames,
      ...(result.fps !== undefined ? { fps: result.fps } : {}),
      recipe: result.recipe,
      timings: result.timings,
      files: result.files.map(({ name, mime }) => ({ name: plainName(name), mime }))
    }
    const staging = join(this.#paths.staging, id)
    let made = false
    try {
      await index.add('staging', id) // listed before it exists: a crash's leftover is known as ours
      await mkdir(staging)
      made = true
      // No temp-and-rename per file: nothing reads staging/, and the folder's rename below is the
      // one step that makes the output appear. Each file is on disk (flush: fsync) before it.
      const put = (name: string, data: Uint8Array | string) =>
        writeFile(join(staging, name), data, { flag: 'wx', flush: true })
      for (const file of result.files) await put(file.name, file.bytes)
      await put('trace.json', JSON.stringify(result.trace))
      await put('summary.json', JSON.stringify(result.summary, null, 2))
      // entry.json last: a folder with it is complete.
      await put('entry.json', JSON.stringify(meta, null, 2))
      await syncDir(staging)
      await rename(staging, join(this.entriesDir, id))
    } catch (e) {
      // The half-written folder (made just now, by this call) goes now, not at the next start: on
      // a full disk it holds the very space the user is about to free.
      if (made) await rm(staging, { recursive: true, force: true }).catch(() => undefined)
      await index.remove('staging', id).catch(() => undefined)
      throw storageFailure(e, 'gallery: the output was generated but could not be saved', this.root)
    }
    await syncDir(this.entriesDir)
    // The output is saved; if this fails the listed name is an absent folder, dropped at next open.
    await index.remove('staging', id).catch(() => undefined)
    return meta
  }

  /** Newest first. An entry that is not what the studio wrote is set aside, with a notice. */
  async list(): Promise<GalleryEntryMeta[]> {
    this.#opened()
    const ids = (await readdir(this.entriesDir)).filter(isOwnEntryId)
    const metas = await Promise.all(
      ids.map((id) =>
        this.#meta(id).catch((e: unknown) => {
          // Corrupt entries have their notice already; one that cannot be read (EACCES) gets one too.
          if (!(e instanceof ApiFailure))
            this.#notice(`gallery: entry ${id} could not be read: ${errorText(e)}`)
          return undefined
        })
      )
    )
    return metas
      .filter((m): m is GalleryEntryMeta => m !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  async get(id: string): Promise<GalleryEntry> {
    const meta = await this.#meta(id)
    try {
      return { ...meta, ...(await readEntryBody(join(this.entriesDir, id), meta)) }
    } catch (e) {
      throw await this.#failure(id, e)
    }
  }

  async delete(id: string): Promise<{ id: string }> {
    const index = this.#opened()
    await this.#meta(id) // not_found for an unknown id
    if (index.has('trash', id)) await rm(join(this.trashDir, id), { recursive: true, force: true })
    try {
      await index.add('trash', id)
      await rename(join(this.entriesDir, id), join(this.trashDir, id))
    } catch (e) {
      throw storageFailure(e, `gallery: could not delete ${id}`, this.root)
    }
    return { id }
  }

  async restore(id: string): Promise<GalleryEntryMeta> {
    const index = this.#opened()
    EntryIdSchema.parse(id)
    try {
      if (!index.has('trash', id)) throw new Error('not in the trash')
      await rename(join(this.trashDir, id), join(this.entriesDir, id))
    } catch {
      throw new ApiFailure('not_found', `gallery: nothing to restore for ${id}`)
    }
    await index.remove('trash', id).catch(() => undefined) // listed and absent: dropped at next open
    return this.#meta(id)
  }

  /** Copies the entry's folder into `dir`, once it has been read as the studio's; returns the new folder. */
  async exportTo(id: string, dir: string): Promise<string> {
    await this.get(id)
    const target = join(dir, `cache-studio-${id}`)
    try {
      await cp(join(this.entriesDir, id), target, { recursive: true, errorOnExist: true, force: false })
    } catch (e) {
      if (isDiskFull(e)) await rm(target, { recursive: true, force: true }).catch(() => undefined)
      throw storageFailure(e, `gallery: could not export ${id}`, dir)
    }
    return target
  }

  #opened(): GalleryIndex {
    if (!this.#index) throw new Error(`gallery: ${this.root} was not opened`)
    return this.#index
  }

  async #meta(id: string): Promise<GalleryEntryMeta> {
    this.#opened()
    EntryIdSchema.parse(id)
    if (!isOwnEntryId(id)) throw new ApiFailure('not_found', `gallery: no entry ${id}`)
    try {
      return await readEntryMeta(join(this.entriesDir, id), id)
    } catch (e) {
      throw await this.#failure(id, e)
    }
  }

  /** What a failed read answers: a corrupt entry is set aside and reported; other errors pass. */
  async #failure(id: string, e: unknown): Promise<unknown> {
    if (!(e instanceof CorruptEntry)) return e
    const line = `${e.message} (kept aside as ${await this.#setAside(id)})`
    this.#notice(line)
    return new ApiFailure('corrupt', line)
  }

  #notice(line: string): void {
    if (!this.#notices.includes(line)) this.#notices.push(line)
  }

  /** Renames the entry's folder out of the list (a name no entry id has), never deleting it. */
  #setAside(id: string): Promise<string> {
    let moving = this.#settingAside.get(id)
    if (!moving) {
      const keptAs = join(this.entriesDir, `${id}.corrupt-${Date.now()}`)
      moving = rename(join(this.entriesDir, id), keptAs).then(
        () => keptAs,
        (e: unknown) => `${join(this.entriesDir, id)}, where it could not be renamed: ${errorText(e)}`
      )
      this.#settingAside.set(id, moving)
      void moving.then(() => this.#settingAside.delete(id))
    }
    return moving
  }
}

/** Engine file names become paths: one plain name, nothing that climbs out of the folder. */
function plainName(name: string): string {
  if (!PLAIN_FILE_NAME.test(name))
    throw new ApiFailure('bad_request', `gallery: ${name}: not a plain file name`)
  return name
}
