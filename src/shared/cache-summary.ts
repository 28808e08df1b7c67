import { BranchSchema, type CacheSummary, type ContextSummary, type Quantiles, type StepTrace } from './trace'

/**
 * What `cache_dit.summary` reports (docs/cache-algorithm.md §6), computed from the per-step trace
 * alone, so the engine, a saved output's trace (the CLI's `studio summary`) and the live chart
 * all get the same numbers. One entry per (transformer, block list, branch), labelled, instead of
 * CacheDiT's "Cache Steps" / "CFG Cache Steps" tables. Pure: no Node imports.
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

export function summarizeTraces(traces: readonly StepTrace[]): CacheSummary {
  const contexts = new Map<string, { entry: ContextSummary; diffs: Map<number, number> }>()
  let blocksRun = 0
  let blocksTotal = 0
  for (const t of traces) {
    blocksRun += t.blocksRun
    blocksTotal += t.blocksTotal
    const key = `${t.transformer}\u0000${t.context}\u0000${t.branch}`
    let c = contexts.get(key)
    if (!c) {
      const entry: ContextSummary = {
        transformer: t.transformer,
        context: t.context,
        branch: t.branch,
        cachedSteps: [],
        cachedCount: 0,
        computedCount: 0,
        residualDiffs: {},
        quantiles: null
      }
      c = { entry, diffs: new Map() }
      contexts.set(key, c)
    }
    if (t.cached) {
      c.entry.cachedSteps.push(t.step)
      c.entry.cachedCount++
    } else {
      c.entry.computedCount++
    }
    // First distance per step wins, as CacheDiT's `add_residual_diff`.
    if (t.distance !== null && !c.diffs.has(t.step)) c.diffs.set(t.step, t.distance)
  }
  for (const { entry, diffs } of contexts.values()) {
    const sorted = [...diffs.entries()].sort((a, b) => a[0] - b[0])
    entry.residualDiffs = Object.fromEntries(sorted.map(([step, d]) => [String(step), d]))
    entry.quantiles = quantiles(sorted.map(([, d]) => d))
  }
  return {
    contexts: inCallOrder([...contexts.values()].map((c) => c.entry)),
    blocksRun,
    blocksTotal,
    theoreticalBlockSpeedup: blocksRun === 0 ? 1 : blocksTotal / blocksRun
  }
}

/**
 * Contexts in the order the pipeline calls them: transformers and block lists as first seen, and
 * within one the branches cond, uncond, batched. CFG lanes run a step's two branches at once, so
 * which of them is traced first is a race; the summary's rows must not be.
 */
function inCallOrder(entries: ContextSummary[]): ContextSummary[] {
  const lists: string[] = []
  for (const e of entries) {
    const list = `${e.transformer}\u0000${e.context}`
    if (!lists.includes(list)) lists.push(list)
  }
  const rank = (e: ContextSummary) =>
    lists.indexOf(`${e.transformer}\u0000${e.context}`) * BranchSchema.options.length +
    BranchSchema.options.indexOf(e.branch)
  return [...entries].sort((a, b) => rank(a) - rank(b))
}
