import { z } from 'zod'
import { CacheConfigSchema, CacheOverridesSchema } from './cache-config'
import { PRESET_IDS } from './presets'
import { ProviderSchema } from './providers'
import { CacheSummarySchema, StepTraceSchema } from './trace'

export const CacheChoiceSchema = z
  .object({
    preset: z.enum(PRESET_IDS),
    /** Fields set on top of the preset (the CLI's --fn, --threshold…, the custom form). */
    overrides: CacheOverridesSchema.default({})
  })
  .strict()
export type CacheChoice = z.infer<typeof CacheChoiceSchema>

export const MAX_SEED = 0xffffffff

/**
 * The longest prompt accepted, far past any tokenizer's window: a long prompt is not an error,
 * the tokenizer keeps its first maxLength tokens (countTokens says which).
 */
export const MAX_PROMPT_CHARS = 100_000
export const PromptTextSchema = z
  .string()
  .max(MAX_PROMPT_CHARS, `too long: at most ${MAX_PROMPT_CHARS.toLocaleString('en')} characters`)

/**
 * A prompt against its model's tokenizer: what the text encoder will see of it (the engine's
 * countTokens; a remote studio serve answers the same, checked with this schema).
 */
export const PromptTokensSchema = z
  .object({
    /** Tokens of the whole prompt, before truncation. */
    count: z.number().int().min(0),
    /** The model's window: tokens past it are dropped. */
    maxLength: z.number().int().min(1),
    /** The kept tokens decoded (unknown words show as the unk token), and the dropped ones. */
    kept: z.string(),
    dropped: z.string(),
    /** Words the tokenizer does not know; they become its unk token. */
    unknown: z.array(z.string())
  })
  .strict()
export type PromptTokens = z.infer<typeof PromptTokensSchema>

export const PromptEmbedsFileSchema = z.object({ file: z.string().min(1).max(4096) }).strict()

/** An embeddings file as a recipe names it: its file name and the sha256 of its bytes. */
export const PromptEmbedsRecordSchema = z.object({
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/)
})

export const GenerateRequestSchema = z
  .object({
    /** Model id of an embedded or added model, or a path to a model folder. */
    model: z.string().min(1),
    prompt: PromptTextSchema,
    negativePrompt: PromptTextSchema.optional(),
    seed: z.number().int().min(0).max(MAX_SEED),
    steps: z.number().int().min(1).max(1000).optional(),
    guidanceScale: z.number().min(0).max(50).optional(),
    /**
     * The low-noise expert's guidance scale on a model with two experts (Wan 2.2's
     * guidance_scale_2, ModelInfo.secondExpert); default: the model's, else guidanceScale. Refused
     * by models with one transformer.
     */
    guidanceScale2: z.number().min(0).max(50).optional(),
    /** Image size in pixels where the model makes more than one (imported FLUX); default: the model's. */
    width: z.number().int().min(1).max(65536).optional(),
    height: z.number().int().min(1).max(65536).optional(),
    /** Video frames where the model makes more than one count (imported Wan); default: the model's. */
    frames: z.number().int().min(1).max(4096).optional(),
    /** Run CFG as two calls (true) or one batched call (false); default: the model's manifest. */
    separateCfg: z.boolean().optional(),
    /**
     * Precomputed prompt embeddings (.npy / .safetensors path) for a model without a text encoder
     * graph (Qwen-Image); refused by models that read the prompt text.
     */
    promptEmbeds: PromptEmbedsFileSchema.optional(),
    /** The negative prompt's embeddings, as promptEmbeds (Qwen-Image's true CFG). */
    negativePromptEmbeds: PromptEmbedsFileSchema.optional(),
    cache: CacheChoiceSchema.default({ preset: 'none', overrides: {} }),
    provider: ProviderSchema.default('auto'),
    /** Stream a decoded preview of the latest step every N steps (0 = none). */
    previewEvery: z.number().int().min(0).default(0)
  })
  .strict()
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>
export type GenerateRequestInput = z.input<typeof GenerateRequestSchema>

/** Everything needed to reproduce an output; stored in PNG metadata and the gallery. */
export const RecipeSchema = z.object({
  model: z.string(),
  modelName: z.string(),
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int(),
  steps: z.number().int(),
  guidanceScale: z.number(),
  /** The low-noise expert's guidance scale, on models with two experts (Wan 2.2). */
  guidanceScale2: z.number().optional(),
  separateCfg: z.boolean(),
  preset: z.enum(PRESET_IDS),
  cache: CacheConfigSchema,
  provider: z.string(),
  engineVersion: z.string(),
  /** The image size asked for, on models that make more than one size. */
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  /** The video's frame count asked for, on models that make more than one. */
  frames: z.number().int().optional(),
  /** The precomputed prompt embeddings that stood for the prompt (Qwen-Image). */
  promptEmbeds: PromptEmbedsRecordSchema.optional(),
  negativePromptEmbeds: PromptEmbedsRecordSchema.optional()
})
export type Recipe = z.infer<typeof RecipeSchema>

/**
 * A video's files: the playable file standard players open (VP9 WebM, docs/video.md), the GIF kept
 * as a small preview, and one PNG per frame (exact pixels: what metrics and the frame viewer read).
 */
export const VIDEO_FILE = { name: 'video.webm', mime: 'video/webm' } as const
export const GIF_PREVIEW = { name: 'video.gif', mime: 'image/gif' } as const

export const OutputFileSchema = z.object({
  name: z.string(),
  mime: z.enum(['image/png', GIF_PREVIEW.mime, VIDEO_FILE.mime]),
  bytes: z.instanceof(Uint8Array)
})
export type OutputFile = z.infer<typeof OutputFileSchema>

/**
 * Where a generation's time went. `denoiseMs` is what the cache speeds up and what a comparison
 * of two runs divides: the steps alone, on sessions that have all run before step 0.
 */
export const TimingsSchema = z.object({
  totalMs: z.number(),
  /**
   * Session preparation before step 0: compiling block segments, creating their sessions and
   * running each new session once (a first run plans and allocates). Absent in outputs recorded
   * before it was timed apart: their denoiseMs may hold first runs and previews, so their times do
   * not compare.
   */
  prepareMs: z.number().optional(),
  encodeMs: z.number(),
  /** The denoising steps' own time: the sum of perStepMs. */
  denoiseMs: z.number(),
  /** Live previews and progress events between the steps (not in denoiseMs). */
  previewMs: z.number().optional(),
  decodeMs: z.number(),
  perStepMs: z.array(z.number()),
  /**
   * The thread layout the model ran with (docs/engine.md, "CFG parallelism"): intra-op threads
   * per session (0: ONNX Runtime's choice), session lanes, and whether the caller set it, this
   * machine's measurement chose it (`studio tune-threads`) or the model's default did.
   */
  threadLayout: z
    .object({
      intraOpThreads: z.number().int(),
      cfgLanes: z.number().int(),
      /** CFG's two calls batched into one where they run the same blocks. */
      cfgBatch: z.boolean().optional(),
      source: z.enum(['explicit', 'stored', 'default'])
    })
    .optional()
})
export type Timings = z.infer<typeof TimingsSchema>

export const GenerationResultSchema = z.object({
  recipe: RecipeSchema,
  kind: z.enum(['image', 'video']),
  width: z.number().int(),
  height: z.number().int(),
  frames: z.number().int(),
  fps: z.number().optional(),
  /** RGBA8 pixels per frame, frame-major. */
  pixels: z.instanceof(Uint8Array),
  /** Encoded files: `image.png`, or for videos `frame-000.png`…, `video.webm` and `video.gif`. */
  files: z.array(OutputFileSchema),
  trace: z.array(StepTraceSchema),
  summary: CacheSummarySchema,
  timings: TimingsSchema
})
export type GenerationResult = z.infer<typeof GenerationResultSchema>

/**
 * What the app keeps of a generation: the result less its raw pixels. Main saves the encoded
 * files and the renderer shows them, so the pixels (the largest part, for a video tens of MB)
 * stay in the engine's process; only its in-process callers (CLI, bench, serve) read them.
 */
export type GenerationOutput = Omit<GenerationResult, 'pixels'>

export function withoutPixels(result: GenerationResult): GenerationOutput {
  const { pixels: _pixels, ...output } = result
  return output
}

export const PreviewSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  /** RGBA8 of the first frame. */
  pixels: z.instanceof(Uint8Array)
})

export const ProgressEventSchema = z.object({
  step: z.number().int(),
  totalSteps: z.number().int(),
  elapsedMs: z.number(),
  etaMs: z.number(),
  /** The decisions of this step, one per (transformer call × context). */
  traces: z.array(StepTraceSchema),
  preview: PreviewSchema.optional()
})
export type ProgressEvent = z.infer<typeof ProgressEventSchema>
