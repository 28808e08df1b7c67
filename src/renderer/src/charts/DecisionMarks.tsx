import { memo } from 'react'
import { useXAxisScale, useYAxisScale } from 'recharts'
import type { ChartData, Series } from './step-series'

/**
 * Each step's mark on each series' line, drawn inside the chart from its own scales: a filled
 * diamond where the step was cached, a hollow dot where it was computed, none where no distance
 * was measured. One memoised element per mark, so a live run's next step draws its own marks and
 * leaves the earlier ones alone (recharts' own dots rebuild every point on every render).
 */
export function DecisionMarks({ data }: { data: ChartData }) {
  const x = useXAxisScale()
  const y = useYAxisScale()
  if (!x || !y) return null
  return (
    <g className="decision-marks">
      {data.series.map((s) =>
        data.rows.map((r) => {
          const d = r.distance[s.key]
          const cx = x(r.step)
          const cy = d === null || d === undefined ? undefined : y(d)
          if (cx === undefined || cy === undefined) return null
          return (
            <Mark
              key={`${s.key}-${r.step}`}
              cx={cx}
              cy={cy}
              cached={r.decision[s.key]?.cached === true}
              series={s}
            />
          )
        })
      )}
    </g>
  )
}

const Mark = memo(function Mark({
  cx,
  cy,
  cached,
  series
}: {
  cx: number
  cy: number
  cached: boolean
  series: Series
}) {
  if (cached) {
    const r = 4.5
    return (
      <path
        d={`M${cx} ${cy - r}L${cx + r} ${cy}L${cx} ${cy + r}L${cx - r} ${cy}Z`}
        fill="var(--cached)"
        stroke={series.color}
        strokeWidth={1.2}
        data-cached="true"
      />
    )
  }
  return (
    <circle
      cx={cx}
      cy={cy}
      r={2.6}
      fill="var(--bg-1)"
      stroke={series.color}
      strokeWidth={1.3}
      data-cached="false"
    />
  )
})
