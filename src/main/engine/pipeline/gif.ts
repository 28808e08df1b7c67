import { createRequire } from 'node:module'
import type * as Gifenc from 'gifenc'

// gifenc's CommonJS build defines its exports as getters that Node's ESM import cannot see, and
// hosts (tsx, vitest, the bundle) differ in how they wrap it: require gives the same object everywhere.
const { applyPalette, GIFEncoder, quantize } = createRequire(import.meta.url)('gifenc') as typeof Gifenc

/**
 * The GIF is the small preview beside a video's WebM (docs/video.md): past this many pixels on its
 * longer side it is scaled down, so a 480p clip's preview stays a preview and not tens of megabytes.
 */
export const GIF_PREVIEW_MAX_SIDE = 256

/** An animated GIF of RGBA8 frames (frame-major), looping forever, at `fps`, at most `maxSide` pixels a side. */
export function encodeGif(
  width: number,
  height: number,
  frames: number,
  rgba: Uint8Array,
  fps: number,
  maxSide = GIF_PREVIEW_MAX_SIDE
): Uint8Array<ArrayBuffer> {
  const small = fitWithin(width, height, frames, rgba, maxSide)
  const size = small.width * small.height * 4
  // One palette for the whole clip keeps colours from flickering between frames.
  const palette = quantize(small.rgba, 256)
  const gif = GIFEncoder()
  const delay = Math.round(1000 / Math.max(1, fps))
  for (let f = 0; f < frames; f++) {
    const index = applyPalette(small.rgba.subarray(f * size, (f + 1) * size), palette)
    gif.writeFrame(index, small.width, small.height, f === 0 ? { palette, delay, repeat: 0 } : { delay })
  }
  gif.finish()
  return gif.bytes() as Uint8Array<ArrayBuffer>
}

/** The frames scaled down (area average) so the longer side is at most `maxSide`; unchanged when they fit. */
function fitWithin(width: number, height: number, frames: number, rgba: Uint8Array, maxSide: number) {
  const scale = Math.min(1, maxSide / Math.max(width, height))
  if (scale === 1) return { width, height, rgba }
  const w = Math.max(1, Math.round(width * scale))
  const h = Math.max(1, Math.round(height * scale))
  const out = new Uint8Array(w * h * 4 * frames)
  for (let f = 0; f < frames; f++) {
    const src = f * width * height * 4
    const dst = f * w * h * 4
    for (let y = 0; y < h; y++) {
      const y0 = Math.floor((y * height) / h)
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / h))
      for (let x = 0; x < w; x++) {
        const x0 = Math.floor((x * width) / w)
        const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * width) / w))
        const n = (y1 - y0) * (x1 - x0)
        for (let c = 0; c < 4; c++) {
          let sum = 0
          for (let sy = y0; sy < y1; sy++)
            for (let sx = x0; sx < x1; sx++) sum += rgba[src + (sy * width + sx) * 4 + c]
          out[dst + (y * w + x) * 4 + c] = Math.round(sum / n)
        }
      }
    }
  }
  return { width: w, height: h, rgba: out }
}
