/**
 * A contact sheet of generated outputs, for a person to look at what `studio evaluate` scored.
 * Each output is one tile: an image, or a video's frames side by side. Images fill rows of
 * `IMAGES_PER_ROW`; videos take a row each, so frames line up in columns. Each group (split)
 * starts on a new row after a wider gap. Pixels are upscaled nearest-neighbour so 32×32 outputs
 * stay readable, and a bar under each tile shows its score (green share = overall).
 */

export interface GridTile {
  /** RGBA8, frame-major, `frames` frames of width × height. */
  pixels: Uint8Array
  width: number
  height: number
  frames: number
  /** 0..1, drawn as the bar under the tile; null draws no bar. */
  score: number | null
}

export interface GridOptions {
  scale?: number
}

export interface GridImage {
  width: number
  height: number
  rgba: Uint8Array
}

const IMAGES_PER_ROW = 8
const GAP = 2
const GROUP_GAP = 8
const BAR = 3
const BACKGROUND: readonly [number, number, number] = [48, 48, 48]
const BAR_EMPTY: readonly [number, number, number] = [90, 90, 90]
const BAR_FULL: readonly [number, number, number] = [60, 200, 90]

/** One RGBA image of every tile, group by group; all tiles must share size and frame count. */
export function gridImage(groups: readonly (readonly GridTile[])[], options: GridOptions = {}): GridImage {
  const tiles = groups.flat()
  if (tiles.length === 0) throw new Error('grid: no outputs to draw')
  const { width: w, height: h, frames } = tiles[0]
  if (tiles.some((t) => t.width !== w || t.height !== h || t.frames !== frames)) {
    throw new Error('grid: outputs of different sizes')
  }
  const scale = options.scale ?? 2
  const tileW = w * scale * frames
  const tileH = h * scale + BAR
  const perRow = frames > 1 ? 1 : IMAGES_PER_ROW
  const rowsOf = (g: readonly GridTile[]) => Math.ceil(g.length / perRow)
  const nonEmpty = groups.filter((g) => g.length > 0)
  const columns = Math.min(perRow, Math.max(...nonEmpty.map((g) => g.length)))
  const rows = nonEmpty.reduce((n, g) => n + rowsOf(g), 0)
  const width = GAP + columns * (tileW + GAP)
  const height = GAP + rows * (tileH + GAP) + (nonEmpty.length - 1) * GROUP_GAP
  const rgba = new Uint8Array(width * height * 4)
  fill(rgba, width, 0, 0, width, height, BACKGROUND)

  let top = GAP
  for (const group of nonEmpty) {
    group.forEach((tile, i) => {
      const x0 = GAP + (i % perRow) * (tileW + GAP)
      const y0 = top + Math.floor(i / perRow) * (tileH + GAP)
      blitTile(rgba, width, x0, y0, tile, scale)
      if (tile.score !== null) {
        fill(rgba, width, x0, y0 + h * scale, tileW, BAR, BAR_EMPTY)
        fill(rgba, width, x0, y0 + h * scale, Math.round(tileW * clamp01(tile.score)), BAR, BAR_FULL)
      }
    })
    top += rowsOf(group) * (tileH + GAP) + GROUP_GAP
  }
  return { width, height, rgba }
}

function blitTile(out: Uint8Array, outW: number, x0: number, y0: number, t: GridTile, scale: number): void {
  const frameBytes = t.width * t.height * 4
  for (let f = 0; f < t.frames; f++) {
    for (let y = 0; y < t.height * scale; y++) {
      const sy = Math.floor(y / scale)
      for (let x = 0; x < t.width * scale; x++) {
        const src = f * frameBytes + (sy * t.width + Math.floor(x / scale)) * 4
        const dst = ((y0 + y) * outW + x0 + f * t.width * scale + x) * 4
        out[dst] = t.pixels[src]
        out[dst + 1] = t.pixels[src + 1]
        out[dst + 2] = t.pixels[src + 2]
        out[dst + 3] = 255
      }
    }
  }
}

function fill(
  out: Uint8Array,
  outW: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
  rgb: readonly [number, number, number]
): void {
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const i = (y * outW + x) * 4
      out[i] = rgb[0]
      out[i + 1] = rgb[1]
      out[i + 2] = rgb[2]
      out[i + 3] = 255
    }
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v))
}
