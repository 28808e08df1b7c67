import { createRequire } from 'node:module'
import type * as Gifenc from 'gifenc'

// gifenc's CommonJS build defines its exports as getters that Node's ESM import cannot see, and
// hosts (tsx, vitest, the bundle) differ in how they wrap it: require gives the same object everywhere.
const { applyPalette, GIFEncoder, quantize } = createRequire(import.meta.url)('gifenc') as typeof Gifenc

/** An animated GIF of RGBA8 frames (frame-major), looping forever, at `fps`. */
export function encodeGif(
  width: number,
  height: number,
  frames: number,
  rgba: Uint8Array,
  fps: number
): Uint8Array<ArrayBuffer> {
  const size = width * height * 4
  // One palette for the whole clip keeps colours from flickering between frames.
  const palette = quantize(rgba, 256)
  const gif = GIFEncoder()
  const delay = Math.round(1000 / Math.max(1, fps))
  for (let f = 0; f < frames; f++) {
    const index = applyPalette(rgba.subarray(f * size, (f + 1) * size), palette)
    gif.writeFrame(index, width, height, f === 0 ? { palette, delay, repeat: 0 } : { delay })
  }
  gif.finish()
  return gif.bytes() as Uint8Array<ArrayBuffer>
}
