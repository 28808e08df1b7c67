import { z } from 'zod'
import { CrossBlockReadsSchema } from './cross-block-reads'

/**
 * The model package manifest (`model.json`). docs/model-package.md explains each field and the
 * ONNX tensor names every graph must use; this schema is the one source of truth for its shape.
 */

/**
 * Upper bounds of a manifest. A downloaded folder is untrusted: these refuse nonsense (a latent
 * of a billion rows, a million blocks) with the field named, before anything is allocated for it.
 * They sit well above any released DiT (FLUX.1 at 2048 px has a 256×256 latent, 57 blocks and a
 * 512-token T5 prompt; Wan 2.2 has 81 frames); whether a model fits this machine's memory is a
 * separate check at load (engine/model/memory-estimate.ts), since that depends on the machine.
 */
export const MANIFEST_LIMITS = {
  /** model.json itself, refused before it is parsed. */
  manifestBytes: 1024 * 1024,
  /** One ONNX graph read into memory: protobuf cannot parse a message of 2 GiB or more. */
  graphFileBytes: 2 ** 31 - 1,
  /** tokenizer.json, reference.json and any other file of the package. */
  otherFileBytes: 256 * 1024 * 1024,
  /** Width and height, of the output and of the latent. */
  side: 65536,
  frames: 4096,
  channels: 4096,
  fps: 1000,
  tokens: 16384,
  transformers: 16,
  blockLists: 16,
  blocksPerList: 1024,
  files: 8192,
  examples: 1000,
  text: 10000
} as const

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
  .max(1024)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..') && !/^[a-zA-Z]:/.test(p), {
    message: 'must be a path inside the model folder'
  })

const graphRef = z.object({ file: relativeFile }).strict()

export const BlockListSchema = z
  .object({
    name: z.string().min(1).max(200),
    pattern: ForwardPatternSchema,
    blocks: z.array(relativeFile).min(1).max(MANIFEST_LIMITS.blocksPerList)
  })
  .strict()
export type BlockListManifest = z.infer<typeof BlockListSchema>

export const TransformerSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** Sigmas this expert serves, inclusive (Wan 2.2 style high-/low-noise experts split [0, 1]). */
    timestepRange: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
    embed: graphRef,
    blockLists: z.array(BlockListSchema).min(1).max(MANIFEST_LIMITS.blockLists),
    final: graphRef
  })
  .strict()
  .refine((t) => t.timestepRange[0] <= t.timestepRange[1], {
    message: 'timestepRange must be [lo, hi] with lo <= hi',
    path: ['timestepRange']
  })
export type TransformerManifest = z.infer<typeof TransformerSchema>

const positiveInt = z.number().int().positive()
const upTo = (max: number) => positiveInt.max(max)
const text = z.string().max(MANIFEST_LIMITS.text)

export const ManifestSchema = z
  .object({
    format: z.literal('cache-studio-model/1'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1).max(200),
    kind: z.enum(['image', 'video']),
    description: text.default(''),
    output: z
      .object({
        width: upTo(MANIFEST_LIMITS.side),
        height: upTo(MANIFEST_LIMITS.side),
        frames: upTo(MANIFEST_LIMITS.frames),
        fps: upTo(MANIFEST_LIMITS.fps).optional()
      })
      .strict(),
    latent: z
      .object({
        channels: upTo(MANIFEST_LIMITS.channels),
        frames: upTo(MANIFEST_LIMITS.frames),
        height: upTo(MANIFEST_LIMITS.side),
        width: upTo(MANIFEST_LIMITS.side)
      })
      .strict(),
    tokenizer: z.object({ file: relativeFile, maxLength: upTo(MANIFEST_LIMITS.tokens) }).strict(),
    textEncoder: graphRef,
    transformers: z.array(TransformerSchema).min(1).max(MANIFEST_LIMITS.transformers),
    decoder: graphRef.optional(),
    scheduler: z.object({ type: z.literal('flow_match_euler'), shift: z.number().positive() }).strict(),
    defaults: z
      .object({
        steps: positiveInt.max(1000),
        guidanceScale: z.number().min(0).max(50),
        separateCfg: z.boolean(),
        negativePrompt: text.default('')
      })
      .strict(),
    cache: z
      .object({ mergeBlockLists: z.boolean().default(false) })
      .strict()
      .optional(),
    examples: z.array(text).max(MANIFEST_LIMITS.examples).optional(),
    /**
     * Optional: what `studio evaluate` needs to tell generalisation from memorisation.
     * `heldOutPrompts` are the captions whose attribute combinations were kept out of training.
     */
    evaluation: z
      .object({ heldOutPrompts: z.array(text.min(1)).max(MANIFEST_LIMITS.examples) })
      .strict()
      .optional(),
    files: z
      .record(relativeFile, z.string().regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex digits'))
      .refine((f) => Object.keys(f).length <= MANIFEST_LIMITS.files, {
        message: `at most ${MANIFEST_LIMITS.files} files`
      }),
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
      blockLists: z.array(z.object({ name: z.string(), pattern: ForwardPatternSchema, blocks: z.number() })),
      /** Imported packages: blocks reading what other blocks made (shared/cross-block-reads.ts). */
      crossBlockReads: CrossBlockReadsSchema.optional()
    })
  ),
  defaults: z.object({
    steps: z.number(),
    guidanceScale: z.number(),
    separateCfg: z.boolean(),
    negativePrompt: z.string()
  }),
  examples: z.array(z.string()),
  sizeBytes: z.number(),
  /** Imported packages (shared/imported-manifest.ts): the pipeline family, e.g. 'flux'. */
  family: z.string().optional(),
  /** Imported packages: the transformer's precision. */
  precision: z.enum(['fp32', 'fp16']).optional(),
  /** Imported packages: the package plus every source file it uses (weights included). */
  sizeOnDisk: z.number().optional(),
  /** Imported packages: the folder they were imported from. */
  sourceDir: z.string().optional(),
  /**
   * Imported packages: the sizes a request may ask (width and height multiples of multipleOf, at
   * most max); `fixed` where the graphs are static, the only size then.
   */
  sizes: z
    .object({
      multipleOf: z.number(),
      max: z.number(),
      fixed: z.object({ width: z.number(), height: z.number() }).optional()
    })
    .optional(),
  /**
   * Imported video packages: the frame counts a request may ask, 1 + k·step up to max (Wan: its
   * VAE's temporal scale); `fixed` where the graphs are static, the only count then.
   */
  frames: z.object({ step: z.number(), max: z.number(), fixed: z.number().optional() }).optional(),
  /**
   * Imported packages: how the family guides. cfg: classifier-free guidance with a negative prompt
   * and a scale; distilled: a guidance scale the transformer embeds, no negative prompt (FLUX.1-dev);
   * none: neither (FLUX.1-schnell). Absent (our own packages): CFG.
   */
  guidance: z.enum(['cfg', 'distilled', 'none']).optional(),
  /**
   * Imported packages whose family reads no prompt text (Qwen-Image without its text encoder graph):
   * generating needs precomputed prompt embeddings (`studio generate --prompt-embeds`).
   */
  promptEmbeds: z.boolean().optional(),
  /**
   * Imported packages with two experts (Wan 2.2: transformer_2 serves the timesteps below
   * boundaryRatio · num_train_timesteps): the low-noise expert has its own guidance scale
   * (GenerateRequest.guidanceScale2), guidanceScale2 its default (diffusers' guidance_scale_2).
   */
  secondExpert: z.object({ boundaryRatio: z.number(), guidanceScale2: z.number() }).optional(),
  /**
   * Why the package cannot generate, in one line (a graph generating needs is missing: a Wan
   * TorchScript export has no VAE decoder); absent when it can. Replay and inspect still work.
   */
  cannotGenerate: z.string().optional()
})
export type ModelInfo = z.infer<typeof ModelInfoSchema>
