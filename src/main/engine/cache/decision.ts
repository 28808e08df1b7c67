import type { CacheConfig } from '../../../shared/cache-config'
import type { DecisionReason } from '../../../shared/trace'
import { relativeL1 } from './distance'

/**
 * The DBCache decision for one call of one context: CacheDiT's `can_cache` gates in their order
 * (docs/cache-algorithm.md §2.4), first match wins. Pure: it reads the counters and buffers it is given and
 * changes nothing; the context state applies the outcome. The returned record is what the trace
 * shows, so every branch names its reason.
 */

export interface DecisionInput {
  /** The context's own step index s (warmup and mask are indexed by it, §2.5 / §5.4). */
  step: number
  /** Cached steps of this context and branch in this generation (gate 3). */
  cachedCount: number
  /** Length of the current run of consecutive cached steps (gate 4; see cache-differences.md). */
  runLength: number
  /** Sum of the positive distances recorded so far (gate 5). */
  accumulatedDiff: number
  /** Fn residual of this call (downsampled). */
  probe: Float32Array
  /** Fn residual of the last computed call; null before the first one (gate 7). */
  reference: Float32Array | null
  /** The probe or a stored middle residual no longer fits the streams (resolution, batch, text length). */
  shapeChanged: boolean
  /** With cfgDiffComputeSeparate off: the cond call's distance for this step, reused by uncond. */
  sharedDistance?: number
}

export interface Decision {
  cached: boolean
  reason: DecisionReason
  /** The distance evaluated by this decision (NaN/Infinity possible), or null when a gate decided first. */
  distance: number | null
}

type GateConfig = Pick<
  CacheConfig,
  | 'enabled'
  | 'residualDiffThreshold'
  | 'maxAccumulatedResidualDiffThreshold'
  | 'maxWarmupSteps'
  | 'warmupInterval'
  | 'maxCachedSteps'
  | 'maxContinuousCachedSteps'
  | 'stepsComputationMask'
  | 'stepsComputationPolicy'
>

const gate = (cached: boolean, reason: DecisionReason): Decision => ({ cached, reason, distance: null })

export function decide(config: GateConfig, input: DecisionInput): Decision {
  if (!config.enabled) return gate(false, 'disabled')
  const s = input.step
  const mask = config.stepsComputationMask

  // 1. Warmup: s ∈ range(0, W, interval); a mask shortens W to its leading run of 1s.
  if (isWarmup(s, warmupLength(config.maxWarmupSteps, mask), config.warmupInterval))
    return gate(false, 'warmup')

  // 2. Computation mask: 1 = compute, 0 = may cache (steps past its end count as 0).
  if (mask !== null) {
    if ((mask[s] ?? 0) === 1) return gate(false, 'mask_compute')
    if (config.stepsComputationPolicy === 'static') {
      // CacheDiT caches here unconditionally; with nothing stored yet there is nothing to reuse.
      if (input.reference === null) return gate(false, 'no_reference')
      if (input.shapeChanged) return gate(false, 'shape_changed')
      return gate(true, 'static_mask')
    }
  }

  // 3–5. Caps: total cached steps, consecutive cached steps, accumulated distance budget.
  if (config.maxCachedSteps >= 0 && input.cachedCount >= config.maxCachedSteps)
    return gate(false, 'max_cached')
  if (config.maxContinuousCachedSteps >= 0 && input.runLength >= config.maxContinuousCachedSteps) {
    return gate(false, 'max_continuous')
  }
  const budget = config.maxAccumulatedResidualDiffThreshold
  if (budget !== null && input.accumulatedDiff >= budget) return gate(false, 'accumulated_budget')

  // 6–7. Threshold switched off; nothing to compare with yet.
  const threshold = config.residualDiffThreshold
  if (threshold <= 0) return gate(false, 'threshold_off')
  if (input.reference === null) return gate(false, 'no_reference')

  // 8. Similarity (§2.3). Shape first: a residual of another shape cannot be applied, even when
  // threshold ≥ 1 would call it similar.
  if (input.shapeChanged) return gate(false, 'shape_changed')
  if (threshold >= 1) return gate(true, 'similar')
  const distance = input.sharedDistance ?? relativeL1(input.reference, input.probe)
  // Strict `<`: a distance equal to the threshold computes; NaN compares false and computes.
  const cached = distance < threshold
  return { cached, reason: cached ? 'similar' : 'over_threshold', distance }
}

/** Warmup window length: W, shortened by a mask to its leading 1s (§2.4 step 1). */
export function warmupLength(maxWarmupSteps: number, mask: readonly number[] | null): number {
  if (mask === null) return maxWarmupSteps
  let leadingOnes = 0
  while (leadingOnes < mask.length && mask[leadingOnes] === 1) leadingOnes++
  return Math.min(maxWarmupSteps, leadingOnes)
}

export function isWarmup(step: number, length: number, interval: number): boolean {
  return step < length && step % interval === 0
}
