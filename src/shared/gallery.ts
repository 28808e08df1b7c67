import { z } from 'zod'
import { OutputFileSchema, RecipeSchema, TimingsSchema } from './generation'
import { CacheSummarySchema, StepTraceSchema } from './trace'

/** Gallery entry ids are folder names: keep them to characters that cannot escape the folder. */
export const EntryIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'not a gallery entry id')

/** What the gallery list shows of an output; stored as `entry.json` beside the files. */
export const GalleryEntryMetaSchema = z.object({
  id: EntryIdSchema,
  createdAt: z.string(),
  kind: z.enum(['image', 'video']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  frames: z.number().int().positive(),
  fps: z.number().optional(),
  recipe: RecipeSchema,
  timings: TimingsSchema,
  /** File names in the entry folder, first one is the thumbnail. */
  files: z.array(z.object({ name: z.string(), mime: OutputFileSchema.shape.mime }))
})
export type GalleryEntryMeta = z.infer<typeof GalleryEntryMetaSchema>

/** One output with its bytes, trace and summary: everything the studio shows about it. */
export const GalleryEntrySchema = GalleryEntryMetaSchema.extend({
  files: z.array(OutputFileSchema),
  trace: z.array(StepTraceSchema),
  summary: CacheSummarySchema
})
export type GalleryEntry = z.infer<typeof GalleryEntrySchema>
