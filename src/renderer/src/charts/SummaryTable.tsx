import { Fragment, useMemo, useRef, type ReactNode } from 'react'
import { summarizeTraces } from '../../../shared/cache-summary'
import type { CacheSummary, ContextSummary, StepTrace } from '../../../shared/trace'
import { formatDistance, formatSpeedup } from '../components/format'
import { chartData, seriesKey, type Series } from './step-series'
import { useFitsWidth } from './use-fits-width'

interface Props {
  /** A finished run's summary as the engine stored it; while live, it is computed from the trace. */
  summary?: CacheSummary
  traces: readonly StepTrace[]
  /** Uncached time over this run's time, when an uncached run of the same recipe is known. */
  measuredSpeedup?: number | null
}

const Q = ['min', 'p25', 'p50', 'p75', 'p95', 'max'] as const
const qLabel = (q: (typeof Q)[number]): string => (q === 'min' || q === 'max' ? q : q.toUpperCase())

/** One series of the summary with what the table shows of it. */
interface Row {
  key: string
  context: ContextSummary
  series: Series | undefined
  /** Steps counted from 0, as on the chart's axis, its tooltip and `studio summary`. */
  title: string
}

/**
 * CacheDiT's summary per series: cached steps, distance quantiles; then the speedups. A series a
 * row where the nine columns fit; where they do not (the gallery's detail column), a series a
 * column and the figures down the side, so the table fits its card instead of scrolling.
 */
export function SummaryTable({ summary, traces, measuredSpeedup }: Props) {
  const s = useMemo(() => summary ?? summarizeTraces(traces), [summary, traces])
  const colors = useMemo(() => new Map(chartData(traces).series.map((x) => [x.key, x])), [traces])
  const rows = s.contexts.map((c): Row => {
    const key = seriesKey(c)
    const title = c.cachedSteps.length > 0 ? `cached steps: ${c.cachedSteps.join(', ')}` : ''
    return { key, context: c, series: colors.get(key), title }
  })
  const box = useRef<HTMLDivElement>(null)
  const wide = useFitsWidth(box, rows.map((r) => r.series?.label ?? r.key).join('\n'))
  return (
    <div className="summary" data-testid="cache-summary" ref={box}>
      {wide ? <SeriesRows rows={rows} /> : <SeriesColumns rows={rows} />}
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

/**
 * The series' swatch and label; `stacked` (a column head) puts each part of the label ("high_noise",
 * "cond") on a line of its own, one that may wrap after an underscore too.
 */
function SeriesName({ row, stacked = false }: { row: Row; stacked?: boolean }) {
  const label = row.series?.label ?? row.key
  return (
    <>
      <i className="swatch" style={{ background: row.series?.color ?? 'var(--text-dim)' }} />
      {stacked
        ? label.split(' · ').map((part, i) => (
            <span key={i} className="name-part">
              {part.split(/(?<=_)/).map((piece, j) => (
                <Fragment key={j}>
                  {j > 0 && <wbr />}
                  {piece}
                </Fragment>
              ))}
            </span>
          ))
        : label}
    </>
  )
}

const quantile = (c: ContextSummary, q: (typeof Q)[number]): string =>
  c.quantiles ? formatDistance(c.quantiles[q]) : '—'

/** What the table shows of each series, in order: a column each in the wide layout, a row each in the narrow. */
const FIGURES: readonly { label: string; cell: (r: Row) => ReactNode; cached?: true }[] = [
  { label: 'Cached', cell: (r) => r.context.cachedCount, cached: true },
  { label: 'Computed', cell: (r) => r.context.computedCount },
  ...Q.map((q) => ({ label: qLabel(q), cell: (r: Row) => quantile(r.context, q) }))
]

function FigureCell({ figure, row, title }: { figure: (typeof FIGURES)[number]; row: Row; title?: string }) {
  return (
    <td
      className={figure.cached ? 'num strong' : 'num'}
      data-testid={figure.cached ? 'cached-count' : undefined}
      title={title}
    >
      {figure.cell(row)}
    </td>
  )
}

const NoSteps = ({ columns }: { columns: number }) => (
  <tr>
    <td colSpan={columns} className="dim">
      No steps yet
    </td>
  </tr>
)

/** A series a row: Series, Cached, Computed, then the six quantiles. */
function SeriesRows({ rows }: { rows: readonly Row[] }) {
  return (
    <table className="data-table">
      <thead>
        <tr>
          <th>Series</th>
          {FIGURES.map((f) => (
            <th key={f.label} className="num">
              {f.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && <NoSteps columns={1 + FIGURES.length} />}
        {rows.map((r) => (
          <tr key={r.key} title={r.title}>
            <td>
              <SeriesName row={r} />
            </td>
            {FIGURES.map((f) => (
              <FigureCell key={f.label} figure={f} row={r} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** A series a column, a figure a row: two series take three columns where the wide table takes nine. */
function SeriesColumns({ rows }: { rows: readonly Row[] }) {
  return (
    <table className="data-table series-columns">
      <thead>
        <tr>
          <th>Series</th>
          {rows.map((r) => (
            <th key={r.key} className="num" title={r.title} aria-label={r.series?.label ?? r.key}>
              <SeriesName row={r} stacked />
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && <NoSteps columns={1} />}
        {rows.length > 0 &&
          FIGURES.map((f) => (
            <tr key={f.label}>
              <th scope="row">{f.label}</th>
              {rows.map((r) => (
                <FigureCell key={r.key} figure={f} row={r} title={f.cached ? r.title : undefined} />
              ))}
            </tr>
          ))}
      </tbody>
    </table>
  )
}
