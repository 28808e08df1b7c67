import { cp, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import {
  EntryIdSchema,
  GalleryEntryMetaSchema,
  type GalleryEntry,
  type GalleryEntryMeta
} from '../../shared/gallery'
import type { GenerationResult } from '../../shared/generation'
import { CacheSummarySchema, StepTraceSchema } from '../../shared/trace'
import { ApiFailure } from '../ipc/api-failure'
import { syncDir, writeFileAtomic } from '../storage/atomic-write'
import { isDiskFull, storageFailure } from '../storage/storage-failure'
import { newEntryId } from './entry-id'

/**
 * Outputs on disk, one folder per output: the encoded files plus entry.json (what the list shows,
 * with the full recipe), trace.json and summary.json. A folder is written under a staging name and
 * renamed into place when complete, so the gallery never shows half an output. Delete moves the
 * folder to trash/ so it can be restored.
 */
export class GalleryStore {
  readonly entriesDir: string
  readonly trashDir: string
  readonly #stagingDir: string

  constructor(readonly root: string) {
    this.entriesDir = join(root, 'entries')
    this.trashDir = join(root, 'trash')
    this.#stagingDir = join(root, 'staging')
  }

  /** Creates the folders and drops what a crash left half-written or what was deleted last session. */
  async open(): Promise<void> {
    await rm(this.#stagingDir, { recursive: true, force: true })
    await rm(this.trashDir, { recursive: true, force: true })
    for (const dir of [this.entriesDir, this.trashDir, this.#stagingDir])
      await mkdir(dir, { recursive: true })
  }

  async save(result: GenerationResult, now = new Date()): Promise<GalleryEntryMeta> {
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
      files: result.files.map(({ name, mime }) => ({ name: FileNameSchema.parse(name), mime }))
    }
    const staging = join(this.#stagingDir, id)
    try {
      await mkdir(staging)
      for (const file of result.files) await writeFileAtomic(join(staging, file.name), file.bytes)
      await writeFileAtomic(join(staging, 'trace.json'), JSON.stringify(result.trace))
      await writeFileAtomic(join(staging, 'summary.json'), JSON.stringify(result.summary, null, 2))
      // entry.json last: a folder with it is complete.
      await writeFileAtomic(join(staging, 'entry.json'), JSON.stringify(meta, null, 2))
      await rename(staging, join(this.entriesDir, id))
    } catch (e) {
      // The half-written folder goes now, not at the next start: on a full disk it holds the
      // very space the user is about to free.
      await rm(staging, { recursive: true, force: true }).catch(() => undefined)
      throw storageFailure(e, 'gallery: the output was generated but could not be saved', this.root)
    }
    await syncDir(this.entriesDir)
    return meta
  }

  /** Newest first. Folders that fail validation are left alone and not listed. */
  async list(): Promise<GalleryEntryMeta[]> {
    const ids = (await readdir(this.entriesDir)).filter((name) => EntryIdSchema.safeParse(name).success)
    const metas = await Promise.all(ids.map((id) => this.#readMeta(id).catch(() => undefined)))
    return metas
      .filter((m): m is GalleryEntryMeta => m !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  async get(id: string): Promise<GalleryEntry> {
    const meta = await this.#readMeta(id)
    const dir = join(this.entriesDir, id)
    const files = await Promise.all(
      meta.files.map(async ({ name, mime }) => ({
        name,
        mime,
        bytes: new Uint8Array(await readFile(join(dir, name)))
      }))
    )
    const trace = z.array(StepTraceSchema).parse(JSON.parse(await readFile(join(dir, 'trace.json'), 'utf8')))
    const summary = CacheSummarySchema.parse(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')))
    return { ...meta, files, trace, summary }
  }

  async delete(id: string): Promise<{ id: string }> {
    await this.#readMeta(id) // not_found for an unknown id
    await rm(join(this.trashDir, id), { recursive: true, force: true })
    await rename(join(this.entriesDir, id), join(this.trashDir, id))
    return { id }
  }

  async restore(id: string): Promise<GalleryEntryMeta> {
    try {
      await rename(join(this.trashDir, id), join(this.entriesDir, id))
    } catch {
      throw new ApiFailure('not_found', `gallery: nothing to restore for ${id}`)
    }
    return this.#readMeta(id)
  }

  /** Copies the entry's folder into `dir`; returns the new folder. */
  async exportTo(id: string, dir: string): Promise<string> {
    await this.#readMeta(id)
    const target = join(dir, `cache-studio-${id}`)
    try {
      await cp(join(this.entriesDir, id), target, { recursive: true, errorOnExist: true, force: false })
    } catch (e) {
      if (isDiskFull(e)) await rm(target, { recursive: true, force: true }).catch(() => undefined)
      throw storageFailure(e, `gallery: could not export ${id}`, dir)
    }
    return target
  }

  async #readMeta(id: string): Promise<GalleryEntryMeta> {
    EntryIdSchema.parse(id)
    let text: string
    try {
      text = await readFile(join(this.entriesDir, id, 'entry.json'), 'utf8')
    } catch {
      throw new ApiFailure('not_found', `gallery: no entry ${id}`)
    }
    return GalleryEntryMetaSchema.parse(JSON.parse(text))
  }
}

/** Engine file names become paths: one plain name, nothing that climbs out of the folder. */
const FileNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'not a plain file name')
