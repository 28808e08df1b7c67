import { useMemo, useState } from 'react'
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { ChartLegend } from './ChartLegend'
import { CHART_INSET, stepAxisProps } from './layout'

export interface TimedRun {
  label: string
  color: string
  perStepMs: readonly number[]
}

/**
 * Wall time of each denoising step for several runs of one recipe: where the cache skipped the
 * middle blocks, its line drops below the uncached one. The numbers are the engine's timings.
 */
export function StepTimeChart({ runs, height = 170 }: { runs: readonly TimedRun[]; height?: number }) {
  const steps = Math.max(1, ...runs.map((r) => r.perStepMs.length))
  const [width, setWidth] = useState(0)
  const rows = useMemo(() => {
    const n = Math.max(0, ...runs.map((r) => r.perStepMs.length))
    return Array.from({ length: n }, (_, step) => {
      const row: Record<string, number | null> = { step }
      runs.forEach((r, i) => (row[`r${i}`] = r.perStepMs[step] ?? null))
      return row
    })
  }, [runs])
  return (
    <div className="cache-chart" data-testid="step-time-chart">
      <ChartLegend
        groups={[runs.map((r) => ({ key: r.label, label: r.label, mark: 'line', color: r.color }))]}
      />
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%" onResize={setWidth}>
          <LineChart data={rows} margin={{ top: 8, right: CHART_INSET.right, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
            <XAxis {...stepAxisProps(steps, width)} />
            <YAxis
              width={CHART_INSET.left}
              tick={{ fill: 'var(--text-faint)', fontSize: 10 }}
              stroke="var(--chart-axis)"
              tickFormatter={(v: number) => `${Math.round(v)}`}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{
                background: '#0a0b0d',
                border: '1px solid var(--border-strong)',
                fontSize: 11.5
              }}
              labelFormatter={(step) => `Step ${String(step)}`}
              formatter={(v, name) => [
                `${Number(v).toFixed(1)} ms`,
                runs[Number(String(name).slice(1))]?.label ?? name
              ]}
            />
            {runs.map((r, i) => (
              <Line
                key={r.label}
                dataKey={`r${i}`}
                stroke={r.color}
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  )
}
