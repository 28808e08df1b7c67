import { z } from 'zod'
import { crossReadProblem, type CrossReadLayout } from './cross-block-reads'

/**
 * DBCache + TaylorSeer configuration, field for field the `BasicCacheConfig` and
 * `TaylorSeerCalibratorConfig` of CacheDiT (docs/cache-algorithm.md §1),
 * in camelCase with the paper's names kept (`Fn`, `Bn`). Defaults are the library's own.
 * Where this port behaves differently on purpose, docs/cache-differences.md says so.
 */
export const TaylorSeerConfigSchema = z
  .object({
    /** Forecast the middle-block residual of the hidden stream instead of reusing it as is. */
    enabled: z.boolean().default(false),
    /**
     * Number of derivatives kept (CacheDiT `taylorseer_order`). 1 = linear extrapolation, the
     * docs' recommendation; 2 costs one more tensor per stream and is rarely better.
     */
    order: z.number().int().min(0).max(4).default(1),
    /** Also forecast the encoder (text) stream; off = reuse its stored residual. */
    encoder: z.boolean().default(true),
    /** 'residual' forecasts the middle residual; 'hidden_states' the middle output itself. */
    cacheType: z.enum(['residual', 'hidden_states']).default('residual')
  })
  .strict()

export const CacheConfigSchema = z
  .object({
    /** Off = every block runs every step (the `none` preset). */
    enabled: z.boolean().default(true),
    /** Front blocks always computed; their output residual is the probe for the decision. */
    Fn: z.number().int().min(1).default(8),
    /** Back blocks always computed; they refine the approximated hidden states on cached steps. */
    Bn: z.number().int().min(0).default(0),
    /**
     * Cache when mean|prev − cur| / mean|prev| of the Fn residual is strictly below this.
     * ≤ 0 never caches; ≥ 1 caches whenever warmup and limits allow.
     */
    residualDiffThreshold: z.number().finite().default(0.08),
    /** Stop caching once the sum of recorded diffs reaches this budget (null = no budget). */
    maxAccumulatedResidualDiffThreshold: z.number().positive().nullable().default(null),
    /** Steps in range(0, maxWarmupSteps, warmupInterval) always compute: early steps move most. */
    maxWarmupSteps: z.number().int().min(0).default(8),
    /** Stride inside the warmup window: 2 forces only warmup steps 0, 2, 4, … */
    warmupInterval: z.number().int().min(1).default(1),
    /** Cap on cached steps per generation and branch; -1 = unlimited. */
    maxCachedSteps: z.number().int().min(-1).default(-1),
    /** Cap on consecutive cached steps before a forced compute; -1 = unlimited. */
    maxContinuousCachedSteps: z.number().int().min(-1).default(-1),
    /**
     * CFG's cond and uncond branches as two transformer calls, each with its own cache state
     * (true), or as one batched call with one state (false); null = follow the model (its
     * manifest says whether CFG runs as two calls). The pipeline runs what this says (a request's
     * own `separateCfg` wins over it). Branches are identified explicitly, never by call parity.
     */
    enableSeparateCfg: z.boolean().nullable().default(null),
    /** With separate CFG: false lets the uncond branch reuse the cond branch's diff of the step. */
    cfgDiffComputeSeparate: z.boolean().default(true),
    /** Per-step 1 = must compute, 0 = may cache (LeMiCa/EasyCache-style schedules); null = none. */
    stepsComputationMask: z
      .array(z.union([z.literal(0), z.literal(1)]))
      .nullable()
      .default(null),
    /** For mask-0 steps: 'dynamic' still applies the threshold, 'static' caches unconditionally. */
    stepsComputationPolicy: z.enum(['dynamic', 'static']).default('dynamic'),
    /** Transformer-call index at which the context resets (null = never). */
    forceRefreshStepHint: z.number().int().positive().nullable().default(null),
    forceRefreshStepPolicy: z.enum(['once', 'repeat']).default('once'),
    /**
     * Treat consecutive block lists of one transformer as one list with one context (CacheDiT's
     * default for FLUX). null = follow the model's manifest hint.
     */
    mergeBlockLists: z.boolean().nullable().default(null),
    /** Keep every k-th channel of the probe only (memory saving; 1 = all). */
    downsampleFactor: z.number().int().min(1).default(1),
    taylorSeer: TaylorSeerConfigSchema.default({
      enabled: false,
      order: 1,
      encoder: true,
      cacheType: 'residual'
    })
  })
  .strict()

export type CacheConfig = z.infer<typeof CacheConfigSchema>
export type CacheConfigInput = z.input<typeof CacheConfigSchema>
export type TaylorSeerConfig = z.infer<typeof TaylorSeerConfigSchema>

/** A schema with its defaults removed (recursively through objects), every field optional. */
function withoutDefaults(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault) return withoutDefaults(schema.unwrap() as z.ZodType)
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, f]) => [
        k,
        withoutDefaults(f).optional()
      ])
    )
    return z.object(shape).strict()
  }
  return schema
}

/**
 * Overrides on top of a preset (CLI flags, the custom form, `CacheChoice.overrides`): the same
 * fields and checks as CacheConfigSchema, all optional, and no defaults filled in — a filled-in
 * default would silently undo the preset's own value (e.g. F8B8's Bn = 8).
 */
export const CacheOverridesSchema = withoutDefaults(CacheConfigSchema) as z.ZodType<CacheConfigInput>

/**
 * Checks that need the model: Fn + Bn must fit in the block list the cache wraps, and, where
 * blocks of the list read tensors other blocks made (`crossReads`, an imported
 * model's: shared/cross-block-reads.ts), the config must run each producer and reader together.
 */
export function checkBlockBudget(
  config: CacheConfig,
  blocksInList: number,
  listName: string,
  crossReads?: CrossReadLayout
): string | null {
  if (config.enabled && config.Fn > blocksInList) {
    return `Fn = ${config.Fn} exceeds the ${blocksInList} blocks of ${listName}`
  }
  if (config.enabled && config.Fn + config.Bn > blocksInList) {
    return `Fn + Bn = ${config.Fn + config.Bn} exceeds the ${blocksInList} blocks of ${listName}`
  }
  return crossReads ? crossReadProblem(config, blocksInList, listName, crossReads) : null
}

/** CacheDiT's file-name tag, e.g. `DBCache_F8B0_W8I1M0MC0_R0.08_T0O0`. */
export function cacheTag(c: CacheConfig): string {
  if (!c.enabled) return 'NONE'
  const mc = Math.max(0, c.maxCachedSteps)
  const mcc = Math.max(0, c.maxContinuousCachedSteps)
  const ts = c.taylorSeer.enabled ? `T1O${c.taylorSeer.order}` : 'T0O0'
  return `DBCache_F${c.Fn}B${c.Bn}_W${c.maxWarmupSteps}I${c.warmupInterval}M${mc}MC${mcc}_R${c.residualDiffThreshold}_${ts}`
}
