import { memo } from 'react'
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
  // Each step's row looked up once, not searched per cell: a 1000-step lane is 1000 cells.
  const byStep = new Map(data.rows.map((r) => [r.step, r]))
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
            const t = byStep.get(step)?.decision[s.key]
            const state = !t ? 'pending' : t.cached ? 'cached' : step < warmupSteps ? 'warmup' : 'computed'
            return <LaneCell key={step} state={state} />
          })}
        </div>
      ))}
    </div>
  )
}

type CellState = 'pending' | 'cached' | 'warmup' | 'computed'

/** Memoised: a live run's next step redraws its own cell, not the lane's thousand. */
const LaneCell = memo(function LaneCell({ state }: { state: CellState }) {
  return <span className={`lane-cell ${state}`} data-state={state} />
})
