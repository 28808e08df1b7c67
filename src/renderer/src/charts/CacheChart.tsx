import { useMemo, useState } from 'react'
import {
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis
} from 'recharts'
import type { StepTrace } from '../../../shared/trace'
import { DecisionLanes } from './DecisionLanes'
import { DecisionMarks } from './DecisionMarks'
import { ChartLegend, type LegendEntry } from './ChartLegend'
import { CHART_INSET, stepAxisProps } from './layout'
import { chartData, flatRows, type Series } from './step-series'
import { StepTooltip } from './StepTooltip'

interface Props {
  traces: readonly StepTrace[]
  /** Steps the run has in all: the x axis spans them from the start, so a live run fills in. */
  totalSteps: number
  /** Steps below this always compute (shaded); 0 = no warmup. */
  warmupSteps: number
  height?: number
}

/**
 * Residual distance per step against the threshold: one line per series (CFG branch,
 * transformer, context), a filled diamond where the step was cached, a hollow dot where it was
 * computed, the warmup shaded; lanes under it show every decision, even those made before a
 * distance existed.
 */
export function CacheChart({ traces, totalSteps, warmupSteps, height = 220 }: Props) {
  const data = useMemo(() => chartData(traces), [traces])
  const rows = useMemo(() => flatRows(data), [data])
  const [width, setWidth] = useState(0)
  const steps = Math.max(totalSteps, data.rows.length, 1)
  const threshold = data.threshold
  const maxDistance = Math.max(
    0,
    ...rows.flatMap((r) => data.series.map((s) => Number(r[`d:${s.key}`] ?? 0)))
  )
  const yMax = niceCeil(Math.max(maxDistance * 1.1, (threshold ?? 0) * 1.6, 0.01))
  // A y tick label nearer the threshold's than this (in distance) would touch it: 14 px of the
  // plot's height, which is the chart's less its top margin and the x axis.
  const clearance = (yMax * 14) / Math.max(1, height - PLOT_TOP - X_AXIS_HEIGHT)
  return (
    <div className="cache-chart" data-testid="cache-chart" data-steps={data.rows.length}>
      <ChartLegend groups={legendGroups(data.series, threshold)} />
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%" onResize={setWidth}>
          <ComposedChart data={rows} margin={{ top: PLOT_TOP, right: CHART_INSET.right, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
            {warmupSteps > 0 && (
              <ReferenceArea
                x1={-0.5}
                x2={Math.min(warmupSteps, steps) - 0.5}
                fill="var(--chart-warmup)"
                fillOpacity={1}
                ifOverflow="hidden"
                label={{
                  value: 'warmup',
                  position: 'insideTopLeft',
                  fill: 'var(--text-faint)',
                  fontSize: 10
                }}
              />
            )}
            <XAxis {...stepAxisProps(steps, width)} />
            <YAxis
              width={CHART_INSET.left}
              domain={[0, yMax]}
              tick={{ fill: 'var(--text-faint)', fontSize: 10 }}
              stroke="var(--chart-axis)"
              // The threshold's value stands on the axis at its line's height (below): the tick
              // labels beside it are left out.
              tickFormatter={(v: number) =>
                threshold !== null && Math.abs(v - threshold) < clearance ? '' : v.toFixed(v < 0.1 ? 3 : 2)
              }
            />
            {threshold !== null && (
              <ReferenceLine
                y={threshold}
                stroke="var(--chart-threshold)"
                strokeDasharray="4 3"
                label={{
                  // In the axis' gutter, not in the plot: there it was drawn over the marks of
                  // the last steps, which climb to the threshold before a refresh.
                  value: String(threshold),
                  position: 'left',
                  fill: 'var(--chart-threshold)',
                  fontSize: 10
                }}
              />
            )}
            <Tooltip
              content={(p) => <StepTooltip {...p} data={data} />}
              cursor={{ stroke: 'var(--chart-axis)' }}
              isAnimationActive={false}
            />
            {data.series.map((s) => (
              <Line
                key={s.key}
                dataKey={`d:${s.key}`}
                name={s.label}
                stroke={s.color}
                strokeWidth={1.5}
                connectNulls
                isAnimationActive={false}
                dot={false}
                activeDot={{ r: 4, fill: s.color, stroke: 'var(--bg-1)' }}
              />
            ))}
            <DecisionMarks data={data} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <DecisionLanes data={data} steps={steps} warmupSteps={warmupSteps} />
    </div>
  )
}

/** The series' lines; then the marks and the threshold's dash as the plot draws them. */
function legendGroups(series: readonly Series[], threshold: number | null): LegendEntry[][] {
  const marks: LegendEntry[] = [
    { key: 'cached', label: 'cached', mark: 'cached' },
    { key: 'computed', label: 'computed', mark: 'computed' }
  ]
  if (threshold !== null) marks.push({ key: 'threshold', label: 'threshold', mark: 'threshold' })
  return [series.map((s) => ({ key: s.key, label: s.label, mark: 'line', color: s.color })), marks]
}

const PLOT_TOP = 8
/** Recharts' default height of an x axis. */
const X_AXIS_HEIGHT = 30

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}
