import { useMemo } from 'react'
import { summarizeTraces } from '../../../shared/cache-summary'
import type { CacheSummary, StepTrace } from '../../../shared/trace'
import { formatDistance, formatSpeedup } from '../components/format'
import { chartData, seriesKey } from './step-series'

interface Props {
  /** A finished run's summary as the engine stored it; while live, it is computed from the trace. */
  summary?: CacheSummary
  traces: readonly StepTrace[]
  /** Uncached time over this run's time, when an uncached run of the same recipe is known. */
  measuredSpeedup?: number | null
}

const Q = ['min', 'p25', 'p50', 'p75', 'p95', 'max'] as const

/** CacheDiT's summary per series: cached steps, distance quantiles; then the speedups. */
export function SummaryTable({ summary, traces, measuredSpeedup }: Props) {
  const s = useMemo(() => summary ?? summarizeTraces(traces), [summary, traces])
  const colors = useMemo(() => new Map(chartData(traces).series.map((x) => [x.key, x])), [traces])
  return (
    <div className="summary" data-testid="cache-summary">
      <table className="data-table">
        <thead>
          <tr>
            <th>Series</th>
            <th className="num">Cached</th>
            <th className="num">Computed</th>
            {Q.map((q) => (
              <th key={q} className="num">
                {q === 'min' || q === 'max' ? q : q.toUpperCase()}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {s.contexts.length === 0 && (
            <tr>
              <td colSpan={3 + Q.length} className="dim">
                No steps yet
              </td>
            </tr>
          )}
          {s.contexts.map((c) => {
            const key = seriesKey(c)
            const series = colors.get(key)
            return (
              <tr
                key={key}
                // Steps counted from 0, as on the chart's axis, its tooltip and `studio summary`.
                title={c.cachedSteps.length > 0 ? `cached steps: ${c.cachedSteps.join(', ')}` : ''}
              >
                <td>
                  <i className="swatch" style={{ background: series?.color ?? 'var(--text-dim)' }} />
                  {series?.label ?? key}
                </td>
                <td className="num strong" data-testid="cached-count">
                  {c.cachedCount}
                </td>
                <td className="num">{c.computedCount}</td>
                {Q.map((q) => (
                  <td key={q} className="num">
                    {c.quantiles ? formatDistance(c.quantiles[q]) : '—'}
                  </td>
                ))}
              </tr>
            )
          })}
        </tbody>
      </table>
      <div className="speedups">
        <div className="metric">
          <span className="metric-label">Blocks run</span>
          <span className="metric-value num">
            {s.blocksRun}/{s.blocksTotal}
          </span>
        </div>
        <div className="metric">
          <span className="metric-label">Block speedup</span>
          <span className="metric-value num" data-testid="block-speedup">
            {formatSpeedup(s.theoreticalBlockSpeedup)}
          </span>
        </div>
        {measuredSpeedup != null && (
          <div className="metric accent">
            <span className="metric-label">Measured vs uncached (denoise)</span>
            <span className="metric-value num" data-testid="measured-speedup">
              {formatSpeedup(measuredSpeedup)}
            </span>
          </div>
        )}
      </div>
    </div>
  )
}
