import { z } from 'zod'
import { CrossBlockReadsSchema } from './cross-block-reads'
import { BlockListSchema } from './manifest'

/**
 * The manifest (`model.json`) of a package made by `studio import` from an ONNX diffusers folder
 * (optimum-onnx layout). Unlike `cache-studio-model/1` it holds no weights: the cut transformer
 * graphs sit in the package and point at the source folder's external-data file, and the text
 * encoders, VAE decoder and tokenizers are read from the source folder where they are.
 * docs/model-package.md ("Imported packages") explains the fields.
 */

export const IMPORT_FORMAT = 'cache-studio-import/2'
/** The FLUX-only format of the first importer: refused with "import the folder again". */
export const OLD_IMPORT_FORMATS: readonly string[] = ['cache-studio-import/1']

/** The families `studio import` knows (src/main/engine/import/families/). */
export const ImportedFamilySchema = z.enum(['flux', 'wan', 'sd3', 'qwen-image', 'pixart'])
export type ImportedFamily = z.infer<typeof ImportedFamilySchema>

/** A diffusers component name: text_encoder, text_encoder_3, tokenizer_2, vae_decoder, transformer_2… */
export const ComponentNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a diffusers component name (lowercase, digits, underscores)')

/** A relative path without `..`: inside the source folder or the package, as the field says. */
const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..') && !/^[a-zA-Z]:/.test(p), {
    message: 'must be a path inside the source folder'
  })

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex digits')

export const ImportedGraphSchema = z
  .object({
    /** model.onnx of the component, relative to source.dir. */
    file: relativePath,
    /**
     * The folder (relative to source.dir) its external-data locations resolve in; absent when
     * every initializer is inside the graph file.
     */
    externalDataDir: relativePath.optional(),
    inputs: z.array(z.string()).max(64),
    outputs: z.array(z.string()).max(64)
  })
  .strict()
export type ImportedGraph = z.infer<typeof ImportedGraphSchema>

export const ImportedTokenizerSchema = z
  .object({
    /** tokenizer.json, relative to source.dir. */
    file: relativePath,
    /** model_max_length of tokenizer_config.json. */
    maxLength: z
      .number()
      .int()
      .positive()
      .max(1 << 20)
  })
  .strict()

/** TransformerSchema of manifest.ts (the engine loads it as such) plus where its weights are. */
export const ImportedTransformerSchema = z
  .object({
    name: z.string().min(1).max(200),
    /** The source folder's component this transformer was cut from (`transformer`, `transformer_2`). */
    component: ComponentNameSchema,
    timestepRange: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
    embed: z.object({ file: relativePath }).strict(),
    blockLists: z.array(BlockListSchema).min(1).max(16),
    final: z.object({ file: relativePath }).strict(),
    /** Relative to source.dir: where the cut graphs' external-data locations resolve. */
    externalDataDir: relativePath,
    /**
     * Tensors a block reads from an earlier block of its list that are no residual stream
     * (shared/cross-block-reads.ts); absent where there are none. Cache configs that would part a
     * producer from its reader are refused with the tensor named.
     */
    crossBlockReads: CrossBlockReadsSchema.optional()
  })
  .strict()
  .superRefine((t, ctx) => {
    for (const [i, r] of (t.crossBlockReads ?? []).entries()) {
      const list = t.blockLists.find((l) => l.name === r.list)
      if (!list || r.to >= list.blocks.length)
        ctx.addIssue({
          code: 'custom',
          path: ['crossBlockReads', i],
          message: `block ${r.to} of "${r.list}" is not in the transformer's block lists`
        })
    }
  })
export type ImportedTransformer = z.infer<typeof ImportedTransformerSchema>

/** FlowMatchEulerDiscreteScheduler's config fields the FLUX pipeline uses. */
export const FlowMatchSchedulerConfigSchema = z.object({
  _class_name: z.literal('FlowMatchEulerDiscreteScheduler'),
  num_train_timesteps: z.number().int().positive().default(1000),
  shift: z.number().positive().default(1),
  use_dynamic_shifting: z.boolean().default(false),
  base_shift: z.number().default(0.5),
  max_shift: z.number().default(1.15),
  base_image_seq_len: z.number().int().positive().default(256),
  max_image_seq_len: z.number().int().positive().default(4096),
  time_shift_type: z.enum(['exponential', 'linear']).default('exponential'),
  invert_sigmas: z.boolean().default(false),
  shift_terminal: z.number().nullable().default(null),
  stochastic_sampling: z.boolean().default(false),
  use_karras_sigmas: z.boolean().default(false),
  use_exponential_sigmas: z.boolean().default(false),
  use_beta_sigmas: z.boolean().default(false)
})
export type FlowMatchSchedulerConfig = z.infer<typeof FlowMatchSchedulerConfigSchema>

/** AutoencoderKL config fields the decode step uses. */
export const VaeConfigSchema = z.object({
  _class_name: z.string(),
  latent_channels: z.number().int().positive(),
  block_out_channels: z.array(z.number().int().positive()).min(1).max(16),
  scaling_factor: z.number(),
  shift_factor: z.number().nullable().default(null)
})
export type VaeConfig = z.infer<typeof VaeConfigSchema>

/** FluxTransformer2DModel config fields the pipeline uses. */
export const FluxTransformerConfigSchema = z.object({
  _class_name: z.literal('FluxTransformer2DModel'),
  in_channels: z.number().int().positive(),
  out_channels: z.number().int().positive().nullable().default(null),
  patch_size: z.number().int().positive().default(1),
  guidance_embeds: z.boolean().default(false),
  num_layers: z.number().int().nonnegative(),
  num_single_layers: z.number().int().nonnegative(),
  attention_head_dim: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  joint_attention_dim: z.number().int().positive(),
  pooled_projection_dim: z.number().int().positive(),
  axes_dims_rope: z.array(z.number().int().positive()).max(8)
})
export type FluxTransformerConfig = z.infer<typeof FluxTransformerConfigSchema>

/** What the partitioner found, for `studio inspect` and the app's model card (not read to run). */
export const ImportAnalysisSchema = z
  .object({
    lists: z.array(
      z
        .object({
          name: z.string(),
          blocks: z.number().int().nonnegative(),
          pattern: z.string(),
          /** Original tensor names of the streams entering the list's first block. */
          streamsIn: z.object({ hidden: z.string(), encoder: z.string().nullable() }).strict()
        })
        .strict()
    ),
    /** Context tensors: their name in the cut graphs, element type, and which segments read them. */
    contexts: z.array(z.object({ name: z.string(), type: z.string(), readBy: z.number().int() }).strict()),
    /** Nodes assigned to a block but moved into the embed graph (they do not depend on the streams). */
    hoisted: z.object({ count: z.number().int(), examples: z.array(z.string()).max(20) }).strict(),
    nodes: z.number().int(),
    notes: z.array(z.string()).max(100)
  })
  .strict()
export type ImportAnalysis = z.infer<typeof ImportAnalysisSchema>

/** A record keyed by component name, of at most `max` entries (a manifest is untrusted input). */
const bounded = <V extends z.ZodType>(value: V, max: number) =>
  z.record(ComponentNameSchema, value).refine((r) => Object.keys(r).length <= max, {
    message: `at most ${max} entries`
  })

export const ImportedManifestSchema = z
  .object({
    format: z.literal(IMPORT_FORMAT),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1).max(200),
    description: z.string().max(10000).default(''),
    family: ImportedFamilySchema,
    kind: z.enum(['image', 'video']),
    source: z
      .object({
        /** Absolute path of the imported folder. */
        dir: z.string().min(1).max(4096),
        /** sha256 of model_index.json (of transformer/config.json where a folder has none). */
        modelIndexSha256: sha256,
        exporter: z.enum(['torchscript', 'dynamo']),
        precision: z.enum(['fp32', 'fp16'])
      })
      .strict(),
    /**
     * The source folder's graphs by diffusers component name (text_encoder…, vae_decoder, and the
     * transformers' whole graphs), with their inputs and outputs as the exporter wrote them. The
     * engine opens a session for each that no transformer was cut from.
     */
    components: bounded(ImportedGraphSchema, 16),
    tokenizers: bounded(ImportedTokenizerSchema, 8),
    /** The tokenizer whose count the prompt field shows (the text the transformer reads). */
    promptTokenizer: ComponentNameSchema.nullable(),
    /**
     * What the family keeps of the source configs (scheduler, vae, transformer, …), checked by the
     * family's schema at import (import/families/) and again by its pipeline at load.
     */
    configs: z
      .record(z.string().min(1).max(64), z.unknown())
      .refine((r) => Object.keys(r).length <= 32, { message: 'at most 32 entries' }),
    transformers: z.array(ImportedTransformerSchema).min(1).max(16),
    defaults: z
      .object({
        steps: z.number().int().positive().max(1000),
        guidanceScale: z.number().min(0).max(50),
        width: z.number().int().positive().max(65536),
        height: z.number().int().positive().max(65536),
        /** Video families: frames per video. */
        frames: z.number().int().positive().max(100000).optional()
      })
      .strict(),
    /** Width and height must be multiples of multipleOf, at most max; `fixed` where the graphs are static. */
    sizes: z
      .object({
        multipleOf: z.number().int().positive().max(1024),
        max: z.number().int().positive().max(65536),
        fixed: z
          .object({
            width: z.number().int().positive().max(65536),
            height: z.number().int().positive().max(65536)
          })
          .strict()
          .optional()
      })
      .strict(),
    /** sha256 of every file of the package (the cut graphs), relative to the package folder. */
    files: z.record(z.string(), sha256),
    /**
     * Size and mtime of every source file the package uses, checked at load. Not a sha256: hashing
     * a 24 GB FLUX folder at every load would take minutes; a changed file almost always changes
     * its size or mtime, and the cut graphs themselves are hashed (`files`).
     */
    sourceFiles: z.record(
      relativePath,
      z.object({ size: z.number().int().nonnegative(), mtimeMs: z.number() }).strict()
    ),
    analysis: ImportAnalysisSchema
  })
  .strict()
export type ImportedManifest = z.infer<typeof ImportedManifestSchema>

/**
 * Whether a parsed model.json is an imported package's (by its format field): this format or an
 * older one, which readImportedManifest refuses with "import the folder again".
 */
export function isImportedFormat(json: unknown): boolean {
  const format = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : null
  return format === IMPORT_FORMAT || OLD_IMPORT_FORMATS.includes(format as string)
}
