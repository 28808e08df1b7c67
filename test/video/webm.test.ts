import { describe, expect, it } from 'vitest'
import { encodeWebm, frameRate, type RgbaClip } from '../../src/main/engine/pipeline/video/webm'
import { decodeToRgba, psnr } from './decode'
import { probeVideo } from './probe'

/**
 * A gradient drifting one pixel a frame and a soft blob crossing the frame: real motion, and no
 * hard colour edges (4:2:0 video halves chroma resolution, which a hard red edge on a tiny clip shows).
 */
function movingClip(width: number, height: number, frames: number, fps: number): RgbaClip {
  const rgba = new Uint8Array(width * height * 4 * frames)
  for (let f = 0; f < frames; f++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = ((f * height + y) * width + x) * 4
        const blob = Math.exp(-((x - ((f * 3) % width)) ** 2 + (y - height / 2) ** 2) / 40)
        rgba[i] = Math.round((x + f) * 3 * (1 - blob) + 230 * blob)
        rgba[i + 1] = Math.round(y * 6 * (1 - blob) + 40 * blob)
        rgba[i + 2] = 128
        rgba[i + 3] = 255
      }
  return { width, height, frames, fps, rgba }
}

describe('encodeWebm', () => {
  it('writes a VP9 WebM whose demuxed track has every frame, the size and the duration frames/fps', async () => {
    const clip = movingClip(48, 32, 12, 8)
    const probe = await probeVideo(await encodeWebm(clip))
    expect(probe.format).toBe('WebM')
    expect(probe.mimeType).toMatch(/^video\/webm; codecs="vp09\.00\./) // VP9 profile 0: 8-bit 4:2:0
    expect(probe.codec).toBe('vp9')
    expect([probe.width, probe.height]).toEqual([48, 32])
    expect(probe.frames).toBe(12)
    expect(probe.keyFrames).toBe(1)
    expect(probe.duration).toBeCloseTo(12 / 8, 6)
    expect(probe.timestamps).toEqual(Array.from({ length: 12 }, (_, f) => f / 8))
  })

  it('keeps the pictures: each decoded frame matches its source frame (PSNR over 35 dB)', async () => {
    const clip = movingClip(40, 24, 6, 16)
    const decoded = await decodeToRgba(await encodeWebm(clip))
    expect([decoded.width, decoded.height, decoded.rgba.length]).toEqual([40, 24, 6])
    const size = 40 * 24 * 4
    const quality = decoded.rgba.map((frame, f) => psnr(frame, clip.rgba.subarray(f * size, (f + 1) * size)))
    for (const db of quality) expect(db).toBeGreaterThan(35)
    // Frame order survives: frame 0 decoded is nearer source frame 0 than source frame 5.
    expect(psnr(decoded.rgba[0], clip.rgba.subarray(0, size))).toBeGreaterThan(
      psnr(decoded.rgba[0], clip.rgba.subarray(5 * size, 6 * size)) + 3
    )
  })

  it('encodes odd sizes, one-frame clips and fractional frame rates', async () => {
    const odd = await probeVideo(await encodeWebm(movingClip(33, 17, 1, 8)))
    expect([odd.width, odd.height, odd.frames]).toEqual([33, 17, 1])
    expect(odd.duration).toBeCloseTo(1 / 8, 6)
    const ntsc = await probeVideo(await encodeWebm(movingClip(16, 16, 24, 23.976)))
    expect(ntsc.frames).toBe(24)
    expect(ntsc.duration).toBeCloseTo(24 / 23.976, 2) // WebM's timestamps are whole milliseconds
    expect(frameRate(23.976)).toEqual([2997, 125])
  })

  it('refuses pixels that do not match the clip size, and impossible frame rates', async () => {
    await expect(encodeWebm({ ...movingClip(8, 8, 2, 8), frames: 3 })).rejects.toThrow(/expected 768/)
    await expect(encodeWebm(movingClip(8, 8, 2, 0))).rejects.toThrow(/fps must be between/)
    await expect(encodeWebm({ ...movingClip(8, 8, 1, 8), width: 0 })).rejects.toThrow(
      /width must be a positive integer/
    )
  })
})
