import { useCallback, useState } from 'react'

/** One zoom and pan for every pane of the compare view: moving one moves all. */
export interface Zoom {
  scale: number
  /** Pan in pane pixels, applied after scaling. */
  x: number
  y: number
}

export const NO_ZOOM: Zoom = { scale: 1, x: 0, y: 0 }
const MIN = 1
const MAX = 16

/** Zooms by `factor` about a point given relative to the pane's centre, keeping that point still. */
export function zoomAbout(z: Zoom, factor: number, px: number, py: number): Zoom {
  const scale = Math.min(MAX, Math.max(MIN, z.scale * factor))
  if (scale === MIN) return NO_ZOOM
  const k = scale / z.scale
  return { scale, x: px - (px - z.x) * k, y: py - (py - z.y) * k }
}

export function useSyncedZoom() {
  const [zoom, setZoom] = useState<Zoom>(NO_ZOOM)
  const reset = useCallback(() => setZoom(NO_ZOOM), [])
  return { zoom, setZoom, reset }
}
