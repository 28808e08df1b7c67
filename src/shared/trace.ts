import { z } from 'zod'

/** Which CFG branch a transformer call computes. `batched` = cond and uncond in one call. */
export const BranchSchema = z.enum(['cond', 'uncond', 'batched'])
export type Branch = z.infer<typeof BranchSchema>

/**
 * Why the cache decided what it did, in the order of CacheDiT's gates (docs/cache-algorithm.md §2.4).
 * `similar` is the only reason a step is cached by the threshold test; `static_mask` caches a
 * mask-0 step under the static policy.
 */
export const DecisionReasonSchema = z.enum([
  'disabled',
  'warmup',
  'mask_compute',
  'static_mask',
  'max_cached',
  'max_continuous',
  'accumulated_budget',
  'threshold_off',
  'no_reference',
  'shape_changed',
  'over_threshold',
  'similar'
])
export type DecisionReason = z.infer<typeof DecisionReasonSchema>

/** One cache decision: one block list (context) of one transformer call. */
export const StepTraceSchema = z.object({
  /** Scheduler step index, 0-based. */
  step: z.number().int().min(0),
  /** The sigma the transformer was called at. */
  timestep: z.number(),
  branch: BranchSchema,
  transformer: z.string(),
  /** Cache context name: the block list, or the merged lists joined by '+'. */
  context: z.string(),
  /** Relative L1 distance of the Fn residual; null when no diff was computed (gate hit first). */
  distance: z.number().nullable(),
  threshold: z.number(),
  cached: z.boolean(),
  reason: DecisionReasonSchema,
  blocksRun: z.number().int().min(0),
  blocksTotal: z.number().int().min(0),
  /**
   * Wall time of this context's block segments in this call, in milliseconds: the embed graph
   * runs inside the first context's first segment and the final graph inside the last one, so
   * their time is counted here too (a cached Bn = 0 call runs the final graph outside).
   */
  ms: z.number().min(0)
})
export type StepTrace = z.infer<typeof StepTraceSchema>

export const QuantilesSchema = z.object({
  min: z.number(),
  p25: z.number(),
  p50: z.number(),
  p75: z.number(),
  p95: z.number(),
  max: z.number()
})
export type Quantiles = z.infer<typeof QuantilesSchema>

/** Per (transformer, context, branch): what `cache_dit.summary` reports, with explicit labels. */
export const ContextSummarySchema = z.object({
  transformer: z.string(),
  context: z.string(),
  branch: BranchSchema,
  cachedSteps: z.array(z.number().int()),
  cachedCount: z.number().int(),
  computedCount: z.number().int(),
  /** step index → recorded distance, only steps where a diff was evaluated. */
  residualDiffs: z.record(z.string(), z.number()),
  quantiles: QuantilesSchema.nullable()
})
export type ContextSummary = z.infer<typeof ContextSummarySchema>

export const CacheSummarySchema = z.object({
  contexts: z.array(ContextSummarySchema),
  blocksRun: z.number().int(),
  blocksTotal: z.number().int(),
  /** totalBlocks / blocksRun: the speedup of the transformer blocks the skips allow. */
  theoreticalBlockSpeedup: z.number()
})
export type CacheSummary = z.infer<typeof CacheSummarySchema>

/**
 * A generation's trace as saved with its output, for `studio summary` and the gallery: the PNG
 * text chunk `cache-studio-trace` (TRACE_KEY) or a sidecar `<output>.json`. The summary is
 * optional: it can always be recomputed from the trace (summarizeTraces in cache-summary.ts).
 */
export const TRACE_KEY = 'cache-studio-trace'
export const SavedTraceSchema = z.object({
  trace: z.array(StepTraceSchema),
  summary: CacheSummarySchema.optional()
})
export type SavedTrace = z.infer<typeof SavedTraceSchema>
