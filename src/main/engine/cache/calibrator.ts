/**
 * What a cached step adds in place of the skipped middle blocks. On computed steps the exact
 * value (the middle residual, or the middle output with cacheType 'hidden_states') is fed in;
 * on cached steps the calibrator answers for the current step. The shape of CacheDiT's
 * `CalibratorBase` (reset / mark step / update / approximate), with the step passed explicitly
 * instead of counted, so a calibrator never drifts from the scheduler.
 *
 * Two implementations: `ResidualStore` (reuse the latest value: plain DBCache) and
 * `TaylorSeer` (extrapolate from the last computed steps).
 */
export interface Calibrator {
  /** Forget all history: new generation, forced refresh, or a shape change. */
  reset(): void
  /** Record the exact value computed at `step` (the context's step index). */
  update(value: Float32Array, dims: readonly number[], step: number): void
  /** Dims of the stored value, null when nothing is stored. */
  readonly dims: readonly number[] | null
  /** Adds the value for cached step `step` to `out` (same size as the stored value). */
  accumulateInto(out: Float32Array, step: number): void
  /** Bytes of the buffers it holds (the bench reports the cache's share of memory). */
  heldBytes(): number
}

/** Copies `src` into `dst` when sizes match, else into a fresh array; returns the array holding it. */
export function copyInto(dst: Float32Array | null, src: Float32Array): Float32Array {
  if (dst === null || dst.length !== src.length) return src.slice()
  dst.set(src)
  return dst
}
