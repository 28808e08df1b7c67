import { useRef, type ReactNode } from 'react'
import { zoomAbout, type Zoom } from './zoom'

interface Props {
  title: string
  subtitle?: string
  zoom: Zoom
  onZoom: (z: Zoom) => void
  onReset: () => void
  children: ReactNode
  testId?: string
}

/** A square pane whose content zooms with the wheel and pans by dragging, in step with its siblings. */
export function ZoomPane({ title, subtitle, zoom, onZoom, onReset, children, testId }: Props) {
  const drag = useRef<{ x: number; y: number; zoom: Zoom } | null>(null)
  return (
    <figure className="zoom-pane" data-testid={testId}>
      <figcaption>
        <span>{title}</span>
        {subtitle && <span className="num dim">{subtitle}</span>}
      </figcaption>
      <div
        className="zoom-stage checker"
        onWheel={(e) => {
          const r = e.currentTarget.getBoundingClientRect()
          const px = e.clientX - r.left - r.width / 2
          const py = e.clientY - r.top - r.height / 2
          onZoom(zoomAbout(zoom, e.deltaY < 0 ? 1.25 : 0.8, px, py))
        }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId)
          drag.current = { x: e.clientX, y: e.clientY, zoom }
        }}
        onPointerMove={(e) => {
          const d = drag.current
          if (!d || zoom.scale === 1) return
          onZoom({ ...d.zoom, x: d.zoom.x + e.clientX - d.x, y: d.zoom.y + e.clientY - d.y })
        }}
        onPointerUp={() => (drag.current = null)}
        onDoubleClick={onReset}
      >
        <div
          className="zoom-content"
          style={{ transform: `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.scale})` }}
        >
          {children}
        </div>
      </div>
    </figure>
  )
}
