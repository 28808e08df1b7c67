import type { Direction } from '../../shared/prompt-grammar'

/**
 * Dataset videos move the shape 14 px of 32 (0.44 of the frame) from first to last frame. A
 * fitted travel under a third of that is no motion: the shape wobbles or stands still.
 */
const MIN_TRAVEL = 0.15

/**
 * Direction of a centroid track (0..1 coordinates per frame, null where the shape was not found):
 * the least-squares slope per axis over the frames found, times the clip length, gives the
 * travel; the axis with the larger travel and its sign name the direction (image y points down).
 * Null with fewer than two points or too little travel.
 */
export function motionDirection(track: readonly ([number, number] | null)[]): Direction | null {
  const pts: [number, number, number][] = []
  track.forEach((p, t) => {
    if (p) pts.push([t, p[0], p[1]])
  })
  if (pts.length < 2) return null
  const n = pts.length
  const mt = pts.reduce((s, p) => s + p[0], 0) / n
  const mx = pts.reduce((s, p) => s + p[1], 0) / n
  const my = pts.reduce((s, p) => s + p[2], 0) / n
  let stt = 0
  let stx = 0
  let sty = 0
  for (const [t, x, y] of pts) {
    stt += (t - mt) ** 2
    stx += (t - mt) * (x - mx)
    sty += (t - mt) * (y - my)
  }
  const span = track.length - 1
  const dx = (stx / stt) * span
  const dy = (sty / stt) * span
  if (Math.max(Math.abs(dx), Math.abs(dy)) < MIN_TRAVEL) return null
  if (Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? 'right' : 'left'
  return dy > 0 ? 'down' : 'up'
}
