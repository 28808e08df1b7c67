import type { Rgb } from '../../shared/prompt-grammar'
import { dist2, type Vec3 } from './color'

/**
 * Finds the one shape of a frame as a binary mask. Dataset pixels are `bg·(1 − c) + fg·c` for a
 * coverage c (anti-aliasing), so a pixel's place on the line bg → fg is its coverage: the mask is
 * the pixels at least half covered, which keeps shape measurements independent of the colours.
 */

export interface Component {
  /** Pixel indices (y · width + x). */
  pixels: Int32Array
  area: number
  /** Inclusive bounding box, in pixels. */
  x0: number
  y0: number
  x1: number
  y1: number
  /** Centroid of pixel centres, in pixels (pixel x spans [x, x + 1)). */
  cx: number
  cy: number
}

export interface Segmentation {
  component: Component
  /** Mean colour of the shape's core: the shape's colour as rendered. */
  fg: Vec3
  /** The mask `component` was cut from (one byte per pixel). */
  mask: Uint8Array
}

/** Limits on a shape's area as a share of the frame: dataset shapes cover 5–14 %. */
const MIN_AREA = 0.01
const MAX_AREA = 0.4
/** Half covered: t ≥ 0.5 on the line bg → fg. */
const MIN_COVERAGE = 0.5
/** Off-line tolerance, as a share of |fg − bg|: generators shift hues a little. */
const MAX_RESIDUAL = 0.35
/** Without a named colour, a pixel this far (RGB units) from the background seeds the shape. */
const SEED_DISTANCE = 48

/** Pixels whose colour lies on the segment bg → fg at coverage ≥ MIN_COVERAGE. */
export function lineMask(
  rgba: Uint8Array,
  n: number,
  bg: ArrayLike<number>,
  fg: ArrayLike<number>
): Uint8Array {
  const d = [fg[0] - bg[0], fg[1] - bg[1], fg[2] - bg[2]]
  const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
  const mask = new Uint8Array(n)
  if (dd === 0) return mask
  const maxRes2 = MAX_RESIDUAL * MAX_RESIDUAL * dd
  for (let i = 0; i < n; i++) {
    const v0 = rgba[i * 4] - bg[0]
    const v1 = rgba[i * 4 + 1] - bg[1]
    const v2 = rgba[i * 4 + 2] - bg[2]
    const dot = v0 * d[0] + v1 * d[1] + v2 * d[2]
    const t = dot / dd
    // |v − t·d|² = |v|² − t·(v·d)
    const res2 = v0 * v0 + v1 * v1 + v2 * v2 - t * dot
    if (t >= MIN_COVERAGE && res2 <= maxRes2) mask[i] = 1
  }
  return mask
}

/** Pixels farther than SEED_DISTANCE from the background. */
function farMask(rgba: Uint8Array, n: number, bg: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(n)
  const min2 = SEED_DISTANCE * SEED_DISTANCE
  for (let i = 0; i < n; i++) if (dist2(rgba.subarray(i * 4, i * 4 + 3), bg) >= min2) mask[i] = 1
  return mask
}

/** The largest 8-connected component with an area within [MIN_AREA, MAX_AREA] of the frame. */
export function largestComponent(mask: Uint8Array, width: number, height: number): Component | null {
  const n = width * height
  const seen = new Uint8Array(n)
  const queue = new Int32Array(n)
  let best: Component | null = null
  for (let s = 0; s < n; s++) {
    if (!mask[s] || seen[s]) continue
    let head = 0
    let tail = 0
    queue[tail++] = s
    seen[s] = 1
    while (head < tail) {
      const i = queue[head++]
      const x = i % width
      const y = (i - x) / width
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy
        if (yy < 0 || yy >= height) continue
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx
          if (xx < 0 || xx >= width) continue
          const j = yy * width + xx
          if (mask[j] && !seen[j]) {
            seen[j] = 1
            queue[tail++] = j
          }
        }
      }
    }
    if (tail / n < MIN_AREA || tail / n > MAX_AREA || (best && tail <= best.area)) continue
    best = describe(queue.slice(0, tail), width)
  }
  return best
}

function describe(pixels: Int32Array, width: number): Component {
  const c = { pixels, area: pixels.length, x0: Infinity, y0: Infinity, x1: -1, y1: -1, cx: 0, cy: 0 }
  for (const i of pixels) {
    const x = i % width
    const y = (i - x) / width
    c.x0 = Math.min(c.x0, x)
    c.x1 = Math.max(c.x1, x)
    c.y0 = Math.min(c.y0, y)
    c.y1 = Math.max(c.y1, y)
    c.cx += x + 0.5
    c.cy += y + 0.5
  }
  c.cx /= c.area
  c.cy /= c.area
  return c
}

/** Mean colour of the component's pixels farthest from the background (top quarter): its core. */
function coreColor(rgba: Uint8Array, c: Component, bg: ArrayLike<number>): Vec3 {
  const ds = Array.from(c.pixels, (i) => dist2(rgba.subarray(i * 4, i * 4 + 3), bg))
  const cut = [...ds].sort((a, b) => a - b)[Math.floor(ds.length * 0.75)]
  const sum: Vec3 = [0, 0, 0]
  let k = 0
  c.pixels.forEach((i, j) => {
    if (ds[j] < cut) return
    sum[0] += rgba[i * 4]
    sum[1] += rgba[i * 4 + 1]
    sum[2] += rgba[i * 4 + 2]
    k++
  })
  return [sum[0] / k, sum[1] / k, sum[2] / k]
}

/**
 * The shape of a frame: seeded by pixels of the named colour when the caption names one that
 * stands out from the background, else by the largest region unlike the background; then
 * re-cut at half coverage along bg → (the seed's own colour). Null when no region qualifies.
 */
export function segmentShape(
  rgba: Uint8Array,
  width: number,
  height: number,
  bg: Vec3,
  named: Rgb | null
): Segmentation | null {
  const n = width * height
  let seedMask: Uint8Array | null = null
  let seed: Component | null = null
  if (named && dist2(named, bg) >= SEED_DISTANCE * SEED_DISTANCE) {
    seedMask = lineMask(rgba, n, bg, named)
    seed = largestComponent(seedMask, width, height)
  }
  if (!seed) {
    seedMask = farMask(rgba, n, bg)
    seed = largestComponent(seedMask, width, height)
  }
  if (!seed || !seedMask) return null
  const fg = coreColor(rgba, seed, bg)
  const mask = lineMask(rgba, n, bg, fg)
  const component = largestComponent(mask, width, height)
  return component ? { component, fg, mask } : { component: seed, fg, mask: seedMask }
}
