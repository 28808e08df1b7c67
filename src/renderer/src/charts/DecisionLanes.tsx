import { CHART_INSET } from './layout'
import type { ChartData } from './step-series'

/**
 * One lane per series under the chart, one cell per step: cached, computed, or still to come.
 * Shows every decision, including warmup steps where no distance was measured.
 */
export function DecisionLanes({
  data,
  steps,
  warmupSteps
}: {
  data: ChartData
  steps: number
  warmupSteps: number
}) {
  return (
    <div
      className="decision-lanes"
      style={{ paddingLeft: CHART_INSET.left, paddingRight: CHART_INSET.right }}
    >
      {data.series.map((s) => (
        <div
          key={s.key}
          className="decision-lane"
          style={{ gridTemplateColumns: `repeat(${steps}, 1fr)`, gap: steps > 150 ? 0 : steps > 60 ? 1 : 2 }}
          title={s.label}
        >
          {Array.from({ length: steps }, (_, step) => {
            const t = data.rows.find((r) => r.step === step)?.decision[s.key]
            const state = !t ? 'pending' : t.cached ? 'cached' : step < warmupSteps ? 'warmup' : 'computed'
            return <span key={step} className={`lane-cell ${state}`} data-state={state} />
          })}
        </div>
      ))}
    </div>
  )
}
