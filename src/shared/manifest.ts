import { z } from 'zod'

/**
 * The model package manifest (`model.json`). docs/model-package.md explains each field and the
 * ONNX tensor names every graph must use; this schema is the one source of truth for its shape.
 */

export const FORWARD_PATTERNS = [
  'Pattern_0',
  'Pattern_1',
  'Pattern_2',
  'Pattern_3',
  'Pattern_4',
  'Pattern_5'
] as const
export const ForwardPatternSchema = z.enum(FORWARD_PATTERNS)
export type ForwardPattern = z.infer<typeof ForwardPatternSchema>

const relativeFile = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..') && !/^[a-zA-Z]:/.test(p), {
    message: 'must be a path inside the model folder'
  })

const graphRef = z.object({ file: relativeFile }).strict()

export const BlockListSchema = z
  .object({
    name: z.string().min(1),
    pattern: ForwardPatternSchema,
    blocks: z.array(relativeFile).min(1)
  })
  .strict()
export type BlockListManifest = z.infer<typeof BlockListSchema>

export const TransformerSchema = z
  .object({
    name: z.string().min(1),
    /** Sigmas this expert serves, inclusive (Wan 2.2 style high-/low-noise experts split [0, 1]). */
    timestepRange: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
    embed: graphRef,
    blockLists: z.array(BlockListSchema).min(1),
    final: graphRef
  })
  .strict()
  .refine((t) => t.timestepRange[0] <= t.timestepRange[1], {
    message: 'timestepRange must be [lo, hi] with lo <= hi',
    path: ['timestepRange']
  })
export type TransformerManifest = z.infer<typeof TransformerSchema>

const positiveInt = z.number().int().positive()

export const ManifestSchema = z
  .object({
    format: z.literal('cache-studio-model/1'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1),
    kind: z.enum(['image', 'video']),
    description: z.string().default(''),
    output: z
      .object({ width: positiveInt, height: positiveInt, frames: positiveInt, fps: positiveInt.optional() })
      .strict(),
    latent: z
      .object({ channels: positiveInt, frames: positiveInt, height: positiveInt, width: positiveInt })
      .strict(),
    tokenizer: z.object({ file: relativeFile, maxLength: positiveInt }).strict(),
    textEncoder: graphRef,
    transformers: z.array(TransformerSchema).min(1),
    decoder: graphRef.optional(),
    scheduler: z.object({ type: z.literal('flow_match_euler'), shift: z.number().positive() }).strict(),
    defaults: z
      .object({
        steps: positiveInt.max(1000),
        guidanceScale: z.number().min(0).max(50),
        separateCfg: z.boolean(),
        negativePrompt: z.string().default('')
      })
      .strict(),
    cache: z
      .object({ mergeBlockLists: z.boolean().default(false) })
      .strict()
      .optional(),
    examples: z.array(z.string()).optional(),
    /**
     * Optional: what `studio evaluate` needs to tell generalisation from memorisation.
     * `heldOutPrompts` are the captions whose attribute combinations were kept out of training.
     */
    evaluation: z
      .object({ heldOutPrompts: z.array(z.string().min(1)) })
      .strict()
      .optional(),
    files: z.record(relativeFile, z.string().regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex digits')),
    reference: graphRef.optional()
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.kind === 'image' && (m.output.frames !== 1 || m.latent.frames !== 1)) {
      ctx.addIssue({ code: 'custom', message: 'an image model has frames = 1', path: ['output', 'frames'] })
    }
    for (const file of manifestFiles(m)) {
      if (!(file in m.files)) {
        ctx.addIssue({ code: 'custom', message: `"${file}" has no sha256 in files`, path: ['files'] })
      }
    }
  })
export type ModelManifest = z.infer<typeof ManifestSchema>

/** Every file a manifest refers to, in load order. */
export function manifestFiles(
  m: Pick<ModelManifest, 'tokenizer' | 'textEncoder' | 'transformers' | 'decoder' | 'reference'>
): string[] {
  const files = [m.tokenizer.file, m.textEncoder.file]
  for (const t of m.transformers) {
    files.push(t.embed.file, ...t.blockLists.flatMap((l) => l.blocks), t.final.file)
  }
  if (m.decoder) files.push(m.decoder.file)
  if (m.reference) files.push(m.reference.file)
  return files
}

/** What the app lists about a model without loading its graphs. */
export const ModelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['image', 'video']),
  description: z.string(),
  path: z.string(),
  embedded: z.boolean(),
  output: z.object({ width: z.number(), height: z.number(), frames: z.number(), fps: z.number().optional() }),
  transformers: z.array(
    z.object({
      name: z.string(),
      timestepRange: z.tuple([z.number(), z.number()]),
      blockLists: z.array(z.object({ name: z.string(), pattern: ForwardPatternSchema, blocks: z.number() }))
    })
  ),
  defaults: z.object({
    steps: z.number(),
    guidanceScale: z.number(),
    separateCfg: z.boolean(),
    negativePrompt: z.string()
  }),
  examples: z.array(z.string()),
  sizeBytes: z.number()
})
export type ModelInfo = z.infer<typeof ModelInfoSchema>
