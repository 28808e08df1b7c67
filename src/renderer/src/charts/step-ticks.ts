/**
 * Where a step axis puts its labels: round step numbers (multiples of 1, 2 or 5 × 10ⁿ) spaced so
 * that no two labels of the axis's 10 px font come near each other at the plot's width, and
 * always the first step and the last. Pure, so every chart with a step axis labels it alike,
 * from 1 step to a few thousand.
 */

/** The width one digit of a tick label takes at the axes' 10 px font (sans digits are at most 0.64 em), rounded up. */
export const TICK_DIGIT_PX = 6.5
/** Free space left between two neighbouring labels. */
const LABEL_GAP_PX = 24
/** No two labels closer than this, even short ones: a row of 1-digit labels reads as noise. */
const MIN_SPACING_PX = 44
/** The plot width assumed before the chart has been measured. */
const UNMEASURED_PLOT_PX = 600

/** How far apart (px, centre to centre) two labels of this axis must be. */
export function tickSpacingPx(lastStep: number): number {
  return Math.max(MIN_SPACING_PX, String(lastStep).length * TICK_DIGIT_PX + LABEL_GAP_PX)
}

/**
 * The ticks of an axis of `steps` steps (0 … steps − 1, each step one slot of the domain
 * [−0.5, steps − 0.5]) drawn `plotWidthPx` wide. A round tick too close to the last step gives way
 * to it. Where even the first and the last do not fit apart, only the first is labelled.
 */
export function stepTicks(steps: number, plotWidthPx: number): number[] {
  const last = Math.max(1, Math.floor(steps)) - 1
  if (last === 0) return [0]
  const pxPerStep = (plotWidthPx > 0 ? plotWidthPx : UNMEASURED_PLOT_PX) / (last + 1)
  const spacing = tickSpacingPx(last)
  if (last * pxPerStep < spacing) return [0]
  const every = roundStepAtLeast(spacing / pxPerStep)
  const ticks: number[] = []
  for (let step = 0; step < last; step += every) ticks.push(step)
  if (ticks.length > 1 && (last - ticks[ticks.length - 1]) * pxPerStep < spacing) ticks.pop()
  ticks.push(last)
  return ticks
}

/** The smallest of 1, 2, 5, 10, 20, 50, … that is at least `min`. */
export function roundStepAtLeast(min: number): number {
  for (let power = 1; ; power *= 10) for (const m of [1, 2, 5]) if (m * power >= min) return m * power
}
