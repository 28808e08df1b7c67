import { percentile } from '../shared/cache-summary'

/** Small statistics for timings: medians resist the spikes a shared, busy machine adds. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  return percentile(
    [...xs].sort((a, b) => a - b),
    50
  )
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

/**
 * PSNR of a set of outputs as one: from the mean of their squared errors, not the mean of their
 * dB values. A mean of dB lets a few identical outputs (capped at 99 dB) hide a bad one; the
 * pooled figure is what the whole set's error amounts to. MSE_i = 255² · 10^(−PSNR_i / 10).
 */
export function pooledPsnr(psnrs: readonly number[]): number {
  if (psnrs.length === 0) return Number.NaN
  return -10 * Math.log10(mean(psnrs.map((p) => 10 ** (-p / 10))))
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} values with ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}
