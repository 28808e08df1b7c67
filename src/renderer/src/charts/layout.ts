/** Plot-area insets, shared by the chart and the decision lanes so their cells sit under the chart's steps. */
export const CHART_INSET = { left: 46, right: 14 } as const
