import { percentile } from '../../../shared/cache-summary'

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

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} values with ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}
