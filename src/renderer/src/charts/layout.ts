/** Plot-area insets, shared by the chart and the decision lanes so their cells sit under the chart's steps. */
export const CHART_INSET = { left: 46, right: 14 } as const

/** The plot area's width in a chart container this wide: what a step axis spreads its steps over. */
export const plotWidth = (containerWidth: number): number =>
  Math.max(0, containerWidth - CHART_INSET.left - CHART_INSET.right)
