import { describe, expect, it } from 'vitest'
import { encodeGif } from '../../src/main/engine/pipeline/gif'

/** The logical screen size a GIF declares (bytes 6–9, little-endian). */
const gifSize = (gif: Uint8Array) => {
  const v = new DataView(gif.buffer, gif.byteOffset, gif.byteLength)
  return [v.getUint16(6, true), v.getUint16(8, true)]
}

const clip = (w: number, h: number, frames: number) =>
  new Uint8Array(w * h * 4 * frames).map((_, i) => (i % 4 === 3 ? 255 : (i >> 2) % 251))

describe('the GIF preview', () => {
  it('keeps a small clip at its own size', () => {
    expect(gifSize(encodeGif(32, 32, 2, clip(32, 32, 2), 8))).toEqual([32, 32])
  })

  it('scales a large clip down to 256 pixels on its longer side, keeping the aspect', () => {
    const gif = encodeGif(832, 480, 2, clip(832, 480, 2), 16)
    expect(gifSize(gif)).toEqual([256, 148])
    expect(gif.length).toBeLessThan(2 * 256 * 148) // a preview, not the full frames
  })

  it('averages the pixels it drops: a 2×1 black-and-white pair becomes one mid grey', () => {
    const pair = new Uint8Array([0, 0, 0, 255, 254, 254, 254, 255])
    const gif = encodeGif(2, 1, 1, pair, 8, 1)
    expect(gifSize(gif)).toEqual([1, 1])
    // gifenc's palette holds the one colour it saw: 127 (quantised to its 4-bit-per-channel grid or exact).
    const palette = gif.subarray(13, 16)
    expect(Math.abs(palette[0] - 127)).toBeLessThanOrEqual(8)
  })
})
