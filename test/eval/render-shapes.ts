import {
  DATASET_GEOMETRY as G,
  PALETTE,
  positionCell,
  type ColorName,
  type ImageCaption,
  type ShapeName,
  type VideoCaption
} from '../../src/shared/prompt-grammar'

/**
 * Ground-truth renderer for the evaluator tests: a TypeScript twin of `render` in
 * tools/train/data.py (anti-aliased by 4×4 supersampling, upward triangle, square of half-side
 * 0.86 r), at any size. Coordinates are in data.py's 32-pixel units and scaled to `size`, so a
 * 64×64 render is the same picture at twice the resolution. Output is RGBA8, frame-major, the way
 * the engine hands out generated pixels (float → round(x·255)).
 */

const SS = 4

export interface ShapeSpec {
  shape: ShapeName
  color: ColorName
  background: ColorName
  /** Centre and radius in data.py pixels (32×32 canvas). */
  cx: number
  cy: number
  r: number
}

function inside(shape: ShapeName, dx: number, dy: number, r: number): boolean {
  if (shape === 'circle') return dx * dx + dy * dy <= r * r
  if (shape === 'square') {
    const a = r * G.squareHalfSide
    return Math.abs(dx) <= a && Math.abs(dy) <= a
  }
  const fy = (dy - r * G.triangleTop) / (r * G.triangleHeight)
  return fy >= 0 && fy <= 1 && Math.abs(dx) <= fy * r * G.triangleHalfBase
}

/** Writes one frame of `spec` at `size`×`size` into `out` at byte `offset`. */
export function renderInto(out: Uint8Array, offset: number, spec: ShapeSpec, size: number): void {
  const k = size / G.size
  const fg = PALETTE[spec.color]
  const bg = PALETTE[spec.background]
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          // Sample centres in data.py units: (pixel + (s + 0.5) / SS) / k.
          const px = (x + (sx + 0.5) / SS) / k
          const py = (y + (sy + 0.5) / SS) / k
          if (inside(spec.shape, px - spec.cx, py - spec.cy, spec.r)) hits++
        }
      }
      const cov = hits / (SS * SS)
      const o = offset + (y * size + x) * 4
      for (let c = 0; c < 3; c++) {
        out[o + c] = Math.round(((bg[c] / 255) * (1 - cov) + (fg[c] / 255) * cov) * 255)
      }
      out[o + 3] = 255
    }
  }
}

export function renderShape(spec: ShapeSpec, size: number = G.size): Uint8Array {
  const out = new Uint8Array(size * size * 4)
  renderInto(out, 0, spec, size)
  return out
}

/** An image caption drawn at its grid centre, moved by `jitter` and with radius `r`. */
export function renderImageCaption(
  c: ImageCaption,
  opts: { size?: number; jitter?: readonly [number, number]; r?: number } = {}
): Uint8Array {
  const { col, row } = positionCell(c.position)
  const [jx, jy] = opts.jitter ?? [0, 0]
  return renderShape(
    {
      shape: c.shape,
      color: c.color,
      background: c.background,
      cx: G.gridCenters[col] + jx,
      cy: G.gridCenters[row] + jy,
      r: opts.r ?? (G.imageRadius[0] + G.imageRadius[1]) / 2
    },
    opts.size ?? G.size
  )
}

/**
 * A video caption as data.py's video_batch draws it: `start` is the first-frame centre along the
 * motion axis (mirrored for left/up), `across` the centre on the other axis. `speed` scales the
 * travel (0: static, −1: reversed) so tests can draw wrong motion.
 */
export function renderVideoCaption(
  c: VideoCaption,
  opts: { size?: number; r?: number; start?: number; across?: number; frames?: number; speed?: number } = {}
): Uint8Array {
  const size = opts.size ?? G.size
  const frames = opts.frames ?? G.videoFrames
  const start = opts.start ?? G.videoStart[0]
  const across = opts.across ?? G.size / 2
  const speed = opts.speed ?? 1
  const sign = c.direction === 'right' || c.direction === 'down' ? 1 : -1
  const horizontal = c.direction === 'left' || c.direction === 'right'
  const out = new Uint8Array(size * size * 4 * frames)
  // As in data.py: rightward/downward start at `start`, leftward/upward at 32 − start.
  const first = sign > 0 ? start : G.size - start
  for (let f = 0; f < frames; f++) {
    const progress = f / Math.max(1, frames - 1)
    // A negative speed runs the same path backwards, from its far end.
    const along = first + sign * G.videoTravel * (speed >= 0 ? speed * progress : 1 + speed * progress)
    renderInto(
      out,
      f * size * size * 4,
      {
        shape: c.shape,
        color: c.color,
        background: c.background,
        cx: horizontal ? along : across,
        cy: horizontal ? across : along,
        r: opts.r ?? (G.videoRadius[0] + G.videoRadius[1]) / 2
      },
      size
    )
  }
  return out
}

/** Seeded LCG, so the tests' jitters and radii are the same on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** An image as data.py's image_batch draws one: jitter ±1.5 px per axis, radius in [5, 6.5]. */
export function datasetImage(c: ImageCaption, rand: () => number, size: number = G.size): Uint8Array {
  const j = G.imageJitter
  return renderImageCaption(c, {
    size,
    jitter: [(rand() * 2 - 1) * j, (rand() * 2 - 1) * j],
    r: G.imageRadius[0] + rand() * (G.imageRadius[1] - G.imageRadius[0])
  })
}

/** A video as data.py's video_batch draws one: radius 5–6, start 6.5–11.5, across 7–25. */
export function datasetVideo(c: VideoCaption, rand: () => number, speed = 1): Uint8Array {
  const u = ([a, b]: readonly [number, number]) => a + rand() * (b - a)
  return renderVideoCaption(c, {
    r: u(G.videoRadius),
    start: u(G.videoStart),
    across: u(G.videoAcross),
    speed
  })
}
