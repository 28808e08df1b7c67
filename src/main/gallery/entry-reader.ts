import { z } from 'zod'
import { GalleryEntryMetaSchema, type GalleryEntry, type GalleryEntryMeta } from '../../shared/gallery'
import { CacheSummarySchema, StepTraceSchema } from '../../shared/trace'
import { describeIssues } from '../../shared/validation'
import { ApiFailure } from '../../shared/failure'
import { assertOwnFolder, NotOwnFile, PLAIN_FILE_NAME, readOwnFile } from '../storage/confined-read'

/**
 * Reading an entry folder as untrusted input: entry.json names the files to read, and a name that
 * leaves the folder, a symlink, or anything but a regular file makes the entry corrupt instead of
 * being read. (Anything can be planted in a folder on disk; only what the studio wrote is served.)
 */
export class CorruptEntry extends Error {
  constructor(
    readonly id: string,
    readonly problem: string
  ) {
    super(`gallery: entry ${id} is corrupt: ${problem}`)
    this.name = 'CorruptEntry'
  }
}

/** entry.json as the gallery writes it: plain file names only, and the id of its own folder. */
const StoredMetaSchema = GalleryEntryMetaSchema.extend({
  files: z
    .array(
      z.object({
        name: z.string().regex(PLAIN_FILE_NAME, 'not a plain file name'),
        mime: GalleryEntryMetaSchema.shape.files.element.shape.mime
      })
    )
    .min(1)
})

/** entry.json of the entry in `dir`: not_found when there is no such folder, CorruptEntry when it is not the studio's. */
export async function readEntryMeta(dir: string, id: string): Promise<GalleryEntryMeta> {
  return corruptOnBadFile(id, async () => {
    try {
      await assertOwnFolder(dir, id)
    } catch (e) {
      if (e instanceof NotOwnFile && e.problem === 'is missing')
        throw new ApiFailure('not_found', `gallery: no entry ${id}`)
      throw e
    }
    const meta = parseJson(id, 'entry.json', await readOwnFile(dir, 'entry.json'), StoredMetaSchema)
    if (meta.id !== id) throw new CorruptEntry(id, `entry.json names entry ${meta.id}, not its own folder`)
    return meta
  })
}

/** The files, trace and summary entry.json lists, each read only from inside `dir`. */
export async function readEntryBody(
  dir: string,
  meta: GalleryEntryMeta
): Promise<Pick<GalleryEntry, 'files' | 'trace' | 'summary'>> {
  return corruptOnBadFile(meta.id, async () => {
    const files = []
    for (const { name, mime } of meta.files)
      files.push({ name, mime, bytes: new Uint8Array(await readOwnFile(dir, name)) })
    const trace = parseJson(
      meta.id,
      'trace.json',
      await readOwnFile(dir, 'trace.json'),
      z.array(StepTraceSchema)
    )
    const summary = parseJson(
      meta.id,
      'summary.json',
      await readOwnFile(dir, 'summary.json'),
      CacheSummarySchema
    )
    return { files, trace, summary }
  })
}

async function corruptOnBadFile<T>(id: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (e) {
    if (e instanceof NotOwnFile) throw new CorruptEntry(id, e.message)
    throw e
  }
}

function parseJson<T>(id: string, file: string, bytes: Buffer, schema: z.ZodType<T>): T {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch (e) {
    throw new CorruptEntry(id, `${file} is not valid JSON (${(e as Error).message})`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new CorruptEntry(id, describeIssues(file, parsed.error))
  return parsed.data
}
