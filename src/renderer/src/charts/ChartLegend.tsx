/** One entry of a chart's legend: a line's colour, a decision mark, or the threshold's dash. */
export type LegendEntry =
  | { key: string; label: string; mark: 'line'; color: string }
  | { key: string; label: string; mark: 'cached' | 'computed' | 'threshold' }

/**
 * The legend over a chart: the same marks as the plot draws, aligned with the plot's left edge.
 * Each group (the series' lines; the decision marks and the threshold) wraps as a whole where it
 * can, so a narrow card shows the series over the marks rather than one mark left alone below.
 */
export function ChartLegend({ groups }: { groups: readonly (readonly LegendEntry[])[] }) {
  return (
    <div className="chart-legend">
      {groups.map((entries) => (
        <span key={entries.map((e) => e.key).join()} className="chart-legend-group">
          {entries.map((e) => (
            <span key={e.key} className="chart-legend-item">
              <LegendMark entry={e} />
              {e.label}
            </span>
          ))}
        </span>
      ))}
    </div>
  )
}

function LegendMark({ entry }: { entry: LegendEntry }) {
  switch (entry.mark) {
    case 'line':
      return <i style={{ background: entry.color }} />
    case 'threshold':
      return <i className="dash" />
    case 'cached':
      return (
        <svg width="10" height="10" viewBox="-5 -5 10 10">
          <path d="M0 -4L4 0L0 4L-4 0Z" fill="var(--cached)" />
        </svg>
      )
    case 'computed':
      return (
        <svg width="10" height="10" viewBox="-5 -5 10 10">
          <circle r="2.8" fill="none" stroke="var(--text-dim)" strokeWidth="1.3" />
        </svg>
      )
  }
}
