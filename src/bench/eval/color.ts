import { COLORS, PALETTE, type ColorName } from '../../shared/prompt-grammar'

/** An RGB triple as plain numbers (means of pixels are not integers). */
export type Vec3 = [number, number, number]

export function dist2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dr = a[0] - b[0]
  const dg = a[1] - b[1]
  const db = a[2] - b[2]
  return dr * dr + dg * dg + db * db
}

/**
 * The palette colour nearest to `rgb` (Euclidean in sRGB). The palette's eight colours are at
 * least 80 units apart, far more than the shifts a small generator makes, so a plain RGB distance
 * decides as well as a perceptual one would.
 */
export function nearestColor(rgb: ArrayLike<number>, exclude: ColorName | null = null): ColorName {
  let best: ColorName = COLORS[0]
  let bestD = Infinity
  for (const name of COLORS) {
    if (name === exclude) continue
    const d = dist2(rgb, PALETTE[name])
    if (d < bestD) {
      bestD = d
      best = name
    }
  }
  return best
}

/** The index of the nearest palette colour of pixel `i` of an RGBA buffer, COLORS order. */
export function nearestColorIndex(rgba: Uint8Array, i: number): number {
  const o = i * 4
  let best = 0
  let bestD = Infinity
  for (let k = 0; k < COLORS.length; k++) {
    const p = PALETTE[COLORS[k]]
    const dr = rgba[o] - p[0]
    const dg = rgba[o + 1] - p[1]
    const db = rgba[o + 2] - p[2]
    const d = dr * dr + dg * dg + db * db
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best
}
