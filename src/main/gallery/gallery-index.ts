import { z } from 'zod'
import { writeFileAtomic } from '../engine/atomic-write'
import { OWN_ENTRY_ID } from './entry-id'

/**
 * `.cache-studio/gallery.json`: the mark that a folder is a studio gallery, and the list of the
 * working folders the studio made in it (outputs being written, deleted outputs kept for undo).
 * Those lists are all the gallery ever removes: a folder it did not list is never deleted.
 */
export const GALLERY_INDEX_FORMAT = 'cache-studio-gallery'

const OwnIdSchema = z.string().regex(OWN_ENTRY_ID, 'not an entry id the studio makes')

export const GalleryIndexSchema = z
  .object({
    format: z.literal(GALLERY_INDEX_FORMAT),
    version: z.literal(1),
    createdAt: z.string(),
    /** Set when the folder was a gallery of the layout before `.cache-studio/` (see gallery-layout.ts). */
    legacy: z.boolean().optional(),
    /** Outputs being written under `.cache-studio/staging/`; one left here at open was cut short. */
    staging: z.array(OwnIdSchema),
    /** Deleted outputs under `.cache-studio/trash/`, kept until the next open for undo. */
    trash: z.array(OwnIdSchema)
  })
  .strict()
export type GalleryIndexData = z.infer<typeof GalleryIndexSchema>

export function newIndexData(legacy: boolean, now = new Date()): GalleryIndexData {
  return {
    format: GALLERY_INDEX_FORMAT,
    version: 1,
    createdAt: now.toISOString(),
    ...(legacy ? { legacy: true } : {}),
    staging: [],
    trash: []
  }
}

type ListName = 'staging' | 'trash'

/**
 * The index in memory and on disk. Changes are made one at a time (a save and a delete may run
 * together), each written atomically before the folder it lists is made, so a crash can leave a
 * listed folder that is absent (harmless) but never a made folder that is not listed.
 */
export class GalleryIndex {
  #data: GalleryIndexData
  #queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly path: string,
    data: GalleryIndexData
  ) {
    this.#data = data
  }

  get data(): Readonly<GalleryIndexData> {
    return this.#data
  }

  has(list: ListName, id: string): boolean {
    return this.#data[list].includes(id)
  }

  add(list: ListName, id: string): Promise<void> {
    return this.#change((d) => ({ ...d, [list]: [...d[list].filter((x) => x !== id), id] }))
  }

  remove(list: ListName, id: string): Promise<void> {
    return this.#change((d) => ({ ...d, [list]: d[list].filter((x) => x !== id) }))
  }

  /** Writes the index as it is (at open: proves the folder can be written). */
  write(): Promise<void> {
    return this.#change((d) => d)
  }

  #change(edit: (d: GalleryIndexData) => GalleryIndexData): Promise<void> {
    const run = this.#queue.then(async () => {
      const next = edit(this.#data)
      await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n')
      this.#data = next
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}
