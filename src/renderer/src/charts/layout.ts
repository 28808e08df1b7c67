import type { XAxisProps } from 'recharts'
import { stepTicks } from './step-ticks'

/** Plot-area insets, shared by the chart and the decision lanes so their cells sit under the chart's steps. */
export const CHART_INSET = { left: 46, right: 14 } as const

/** The plot area's width in a chart container this wide: what a step axis spreads its steps over. */
export const plotWidth = (containerWidth: number): number =>
  Math.max(0, containerWidth - CHART_INSET.left - CHART_INSET.right)

/**
 * The step axis the cache chart and the step-time chart share: a slot per step from -0.5, so the
 * first and last steps sit a half step in, labelled where the plot's width has room (step-ticks.ts).
 */
export function stepAxisProps(steps: number, containerWidth: number): XAxisProps {
  return {
    dataKey: 'step',
    type: 'number',
    domain: [-0.5, steps - 0.5],
    ticks: stepTicks(steps, plotWidth(containerWidth)),
    interval: 0,
    allowDecimals: false,
    tick: { fill: 'var(--text-faint)', fontSize: 10 },
    stroke: 'var(--chart-axis)'
  }
}
