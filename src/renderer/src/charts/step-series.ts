import type { StepTrace } from '../../../shared/trace'

/**
 * The per-step cache chart's data, from the trace alone: one series per (transformer, block
 * context, CFG branch) — the same keys as the cache summary — and one row per step holding each
 * series' distance and decision. Pure, so the live chart and the gallery's chart draw the same.
 */

export interface Series {
  key: string
  transformer: string
  context: string
  branch: StepTrace['branch']
  /** What the legend says: only the parts that tell series apart. */
  label: string
  color: string
}

export interface StepRow {
  step: number
  timestep: number
  /** series key → distance (null where a gate decided before any diff was computed). */
  distance: Record<string, number | null>
  /** series key → the decision of this step. */
  decision: Record<string, StepTrace>
}

export interface ChartData {
  series: Series[]
  rows: StepRow[]
  /** The threshold the steps were decided against (the first one recorded). */
  threshold: number | null
}

const BRANCH_COLORS: Record<StepTrace['branch'], readonly string[]> = {
  cond: ['#6ea8fe', '#a5c8ff', '#3d7be0'],
  uncond: ['#f5b45c', '#ffd08f', '#d88b23'],
  batched: ['#8fd08f', '#b9e6b0', '#5aa85a']
}

export const seriesKey = (t: Pick<StepTrace, 'transformer' | 'context' | 'branch'>): string =>
  `${t.transformer}/${t.context}/${t.branch}`

export function chartData(traces: readonly StepTrace[]): ChartData {
  const seen = new Map<string, Omit<Series, 'label' | 'color'>>()
  const rows = new Map<number, StepRow>()
  for (const t of traces) {
    const key = seriesKey(t)
    if (!seen.has(key))
      seen.set(key, { key, transformer: t.transformer, context: t.context, branch: t.branch })
    let row = rows.get(t.step)
    if (!row) {
      row = { step: t.step, timestep: t.timestep, distance: {}, decision: {} }
      rows.set(t.step, row)
    }
    // First decision per step and series wins, as in the summary.
    if (!(key in row.decision)) {
      row.decision[key] = t
      row.distance[key] = t.distance
    }
  }
  const raw = [...seen.values()]
  const many = (pick: (s: (typeof raw)[number]) => string): boolean => new Set(raw.map(pick)).size > 1
  const showTransformer = many((s) => s.transformer)
  const showContext = many((s) => s.context)
  const perBranch = new Map<string, number>()
  const series = raw.map((s) => {
    const n = perBranch.get(s.branch) ?? 0
    perBranch.set(s.branch, n + 1)
    const parts = [showTransformer ? s.transformer : '', showContext ? s.context : '', s.branch].filter(
      Boolean
    )
    const palette = BRANCH_COLORS[s.branch]
    return { ...s, label: parts.join(' · '), color: palette[n % palette.length] }
  })
  return {
    series,
    rows: [...rows.values()].sort((a, b) => a.step - b.step),
    threshold: traces.length > 0 ? traces[0].threshold : null
  }
}

/** Recharts wants flat rows: `d:<key>` holds the distance, `c:<key>` whether the step was cached. */
export function flatRows(data: ChartData): Record<string, number | boolean | null>[] {
  return data.rows.map((r) => {
    const flat: Record<string, number | boolean | null> = { step: r.step }
    for (const s of data.series) {
      flat[`d:${s.key}`] = r.distance[s.key] ?? null
      flat[`c:${s.key}`] = r.decision[s.key]?.cached ?? null
    }
    return flat
  })
}
