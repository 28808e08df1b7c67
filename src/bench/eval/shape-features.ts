import type { ShapeFeatures } from '../../shared/adherence'
import type { ShapeName } from '../../shared/prompt-grammar'
import type { Component } from './segment'

/**
 * Shape descriptors of a mask that do not depend on its size or place: how much of its bounding
 * box and of its enclosing circle it fills, whether its mass sits low in the box, and whether it
 * fills the box's corners. Pixel centres are at (x + 0.5, y + 0.5).
 */
export function shapeFeatures(c: Component, mask: Uint8Array, width: number): ShapeFeatures {
  const w = c.x1 - c.x0 + 1
  const h = c.y1 - c.y0 + 1
  let r2 = 0
  for (const i of c.pixels) {
    const x = i % width
    const y = (i - x) / width
    const dx = x + 0.5 - c.cx
    const dy = y + 0.5 - c.cy
    r2 = Math.max(r2, dx * dx + dy * dy)
  }
  // A pixel is a unit square, not a point: grow the radius by half a pixel so it holds them.
  const r = Math.sqrt(r2) + 0.5
  return {
    boxFill: c.area / (w * h),
    circleFill: c.area / (Math.PI * r * r),
    verticalSkew: (c.cy - (c.y0 + h / 2)) / h,
    cornerFill: cornerFill(c, mask, width, w, h)
  }
}

/** Share of mask pixels in the four corner blocks of the box, each a quarter of its sides. */
function cornerFill(c: Component, mask: Uint8Array, width: number, w: number, h: number): number {
  const bw = Math.max(1, Math.round(w / 4))
  const bh = Math.max(1, Math.round(h / 4))
  let on = 0
  let total = 0
  for (const [x0, y0] of [
    [c.x0, c.y0],
    [c.x1 - bw + 1, c.y0],
    [c.x0, c.y1 - bh + 1],
    [c.x1 - bw + 1, c.y1 - bh + 1]
  ]) {
    for (let y = y0; y < y0 + bh; y++) {
      for (let x = x0; x < x0 + bw; x++) {
        on += mask[y * width + x]
        total++
      }
    }
  }
  return on / total
}

/**
 * Feature prototypes, measured on the dataset renderer (test/eval/render-shapes.ts) over radii
 * 5–6.5 and sub-pixel offsets at 32 and 64 px. Ideal continuous values for comparison: circle
 * (π/4, 1, 0, ~0.4), square (1, 2/π, 0, 1), upward triangle (1/2, 0.40, 1/6, 3/8); pixelation
 * lowers a small circle's circleFill to ~0.9.
 */
const PROTOTYPES: readonly { shape: ShapeName; f: ShapeFeatures }[] = [
  { shape: 'circle', f: { boxFill: 0.8, circleFill: 0.9, verticalSkew: 0, cornerFill: 0.4 } },
  { shape: 'square', f: { boxFill: 1, circleFill: 0.66, verticalSkew: 0, cornerFill: 1 } },
  { shape: 'triangle', f: { boxFill: 0.53, circleFill: 0.45, verticalSkew: 0.155, cornerFill: 0.4 } }
]
/** Skew spans only 0..1/6, so it is stretched to weigh like the fills; corners are noisy at 32 px. */
const WEIGHTS: ShapeFeatures = { boxFill: 1, circleFill: 1, verticalSkew: 3, cornerFill: 0.5 }
/** Farther than this from every prototype, a blob is no shape of ours (noise, smears). */
const MAX_DISTANCE = 0.4

function distance(a: ShapeFeatures, b: ShapeFeatures): number {
  let s = 0
  for (const k of Object.keys(WEIGHTS) as (keyof ShapeFeatures)[]) s += (WEIGHTS[k] * (a[k] - b[k])) ** 2
  return Math.sqrt(s)
}

/** The nearest shape prototype, or null when the features are unlike all of them. */
export function classifyShape(f: ShapeFeatures): ShapeName | null {
  let best: ShapeName | null = null
  let bestD = MAX_DISTANCE
  for (const p of PROTOTYPES) {
    const d = distance(f, p.f)
    if (d < bestD) {
      bestD = d
      best = p.shape
    }
  }
  return best
}
