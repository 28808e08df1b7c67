import type { Tensor } from '../tensor'

/**
 * The probe DBCache compares: the Fn residual of the hidden stream (docs/cache-algorithm.md §2.2–2.3).
 * Both functions write into a caller-owned buffer so a step allocates nothing once warm.
 */

/** Dims of the probe: the last axis keeps channels 0, k, 2k, … (CacheDiT `downsample_factor`). */
export function probeDims(dims: readonly number[], downsampleFactor: number): number[] {
  if (downsampleFactor === 1 || dims.length === 0) return [...dims]
  const last = dims[dims.length - 1]
  return [...dims.slice(0, -1), Math.ceil(last / downsampleFactor)]
}

/**
 * Writes `after − before` (downsampled on the last axis) into `out`, which must hold exactly
 * probeDims(after.dims).size values.
 */
export function residualProbeInto(
  out: Float32Array,
  after: Tensor,
  before: Tensor,
  downsampleFactor: number
): void {
  const a = after.data
  const b = before.data
  if (downsampleFactor === 1) {
    for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i]
    return
  }
  const channels = after.dims[after.dims.length - 1]
  const kept = Math.ceil(channels / downsampleFactor)
  const rows = a.length / channels
  let o = 0
  for (let r = 0; r < rows; r++) {
    const base = r * channels
    for (let c = 0; c < kept; c++) {
      const i = base + c * downsampleFactor
      out[o++] = a[i] - b[i]
    }
  }
}

/**
 * Relative L1 distance `mean|prev − cur| / mean|prev|` over every element (§2.3). The sums run
 * in float64 (JS numbers) whatever the tensor dtype; the means' common 1/n cancels. No epsilon,
 * as in CacheDiT: an all-zero reference gives Infinity or NaN, which never passes `< threshold`.
 */
export function relativeL1(prev: Float32Array, cur: Float32Array): number {
  if (prev.length !== cur.length) {
    throw new Error(`relativeL1: ${prev.length} reference values vs ${cur.length} probe values`)
  }
  let diff = 0
  let norm = 0
  for (let i = 0; i < prev.length; i++) {
    const p = prev[i]
    diff += Math.abs(p - cur[i])
    norm += Math.abs(p)
  }
  return diff / norm
}
