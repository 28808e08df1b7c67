import type { CacheSummary, ContextSummary, Quantiles } from '../../../shared/trace'
import type { ContextState } from './context-state'

/**
 * What `cache_dit.summary` reports (algorithm §6), one entry per (transformer, block list,
 * branch) with explicit labels instead of CacheDiT's "Cache Steps" / "CFG Cache Steps" tables.
 */

/** NumPy's default `percentile` (linear): sort, position p/100·(n−1), interpolate neighbours. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty list')
  const pos = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function quantiles(values: readonly number[]): Quantiles | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return {
    min: sorted[0],
    p25: percentile(sorted, 25),
    p50: percentile(sorted, 50),
    p75: percentile(sorted, 75),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1]
  }
}

export function summarizeContext(state: ContextState): ContextSummary {
  const diffs = [...state.residualDiffs.entries()].sort((a, b) => a[0] - b[0])
  return {
    transformer: state.transformer,
    context: state.context,
    branch: state.branch,
    cachedSteps: [...state.cachedSteps],
    cachedCount: state.cachedSteps.length,
    computedCount: state.computedCount,
    residualDiffs: Object.fromEntries(diffs.map(([step, d]) => [String(step), d])),
    quantiles: quantiles(diffs.map(([, d]) => d))
  }
}

export function summarize(
  states: readonly ContextState[],
  traces: readonly { blocksRun: number; blocksTotal: number }[]
): CacheSummary {
  let blocksRun = 0
  let blocksTotal = 0
  for (const t of traces) {
    blocksRun += t.blocksRun
    blocksTotal += t.blocksTotal
  }
  return {
    contexts: states.map(summarizeContext),
    blocksRun,
    blocksTotal,
    theoreticalBlockSpeedup: blocksRun === 0 ? 1 : blocksTotal / blocksRun
  }
}
