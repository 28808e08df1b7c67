import { COLORS, type ColorName } from '../../shared/prompt-grammar'
import { nearestColorIndex, type Vec3 } from './color'

/**
 * The background is the colour of the frame's border: every dataset shape keeps its centre at
 * least 6.5 px (of 32) from the edge, so the shape touches a few border pixels at most.
 */
export interface Background {
  /** The palette colour most border pixels are nearest to; null when under half of them are. */
  color: ColorName | null
  /** Mean RGB of the border pixels that voted for the winner: the background as rendered. */
  rgb: Vec3
  /** Share of border pixels that voted for the winner. */
  share: number
}

/** A background needs a clear majority of the border; pure noise spreads its votes. */
const MIN_SHARE = 0.5

/** Border ring width: one pixel per 32 of the shorter side, as the dataset was drawn at 32. */
function ringWidth(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 32))
}

export function detectBackground(rgba: Uint8Array, width: number, height: number): Background {
  const ring = ringWidth(width, height)
  const votes = new Array<number>(COLORS.length).fill(0)
  const sums = COLORS.map((): Vec3 => [0, 0, 0])
  let total = 0
  for (let y = 0; y < height; y++) {
    const edgeRow = y < ring || y >= height - ring
    for (let x = 0; x < width; x++) {
      if (!edgeRow && x >= ring && x < width - ring) continue
      const i = y * width + x
      const k = nearestColorIndex(rgba, i)
      votes[k]++
      sums[k][0] += rgba[i * 4]
      sums[k][1] += rgba[i * 4 + 1]
      sums[k][2] += rgba[i * 4 + 2]
      total++
    }
  }
  let win = 0
  for (let k = 1; k < votes.length; k++) if (votes[k] > votes[win]) win = k
  const n = votes[win]
  const share = n / total
  return {
    color: share >= MIN_SHARE ? COLORS[win] : null,
    rgb: [sums[win][0] / n, sums[win][1] / n, sums[win][2] / n],
    share
  }
}
