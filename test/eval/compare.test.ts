import { describe, expect, it } from 'vitest'
import { compareImages, psnrFromMse } from '../../src/main/engine/metrics/compare'
import { EngineFailure } from '../../src/main/engine/errors'
import { PSNR_CAP_DB } from '../../src/shared/engine-protocol'

/** A smooth, textured RGBA test picture with values in 20..235, so ±20 never clips. */
function picture(width: number, height: number, frames = 1): Uint8Array {
  const px = new Uint8Array(width * height * 4 * frames)
  for (let i = 0; i < width * height * frames; i++) {
    const x = i % width
    const y = Math.floor(i / width) % height
    px[i * 4] = 20 + ((x * 7 + y * 3) % 216)
    px[i * 4 + 1] = 20 + Math.round(107 * (1 + Math.sin(x / 3) * Math.cos(y / 4)))
    px[i * 4 + 2] = 20 + ((x * y) % 216)
    px[i * 4 + 3] = 255
  }
  return px
}

/** Adds +d and −d to R, G, B in alternation: every squared error is exactly d². */
function plusMinus(px: Uint8Array, d: number, fromPixel = 0, toPixel = px.length / 4): Uint8Array {
  const out = px.slice()
  for (let p = fromPixel; p < toPixel; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] += (p + c) % 2 ? d : -d
  }
  return out
}

const psnrOf = (mse: number) => 10 * Math.log10((255 * 255) / mse)

describe('compareImages', () => {
  it('reports the PSNR cap, SSIM 1 and an all-black heatmap for identical images', () => {
    const a = picture(32, 32, 2)
    const r = compareImages({ width: 32, height: 32, frames: 2, a, b: a.slice() })
    expect(r.psnr).toBe(PSNR_CAP_DB)
    expect(r.ssim).toBeCloseTo(1, 12)
    expect(r.perFrame).toHaveLength(2)
    for (const f of r.perFrame) expect(f).toEqual({ psnr: PSNR_CAP_DB, ssim: expect.closeTo(1, 12) })
    expect(r.heatmapMax).toBe(0)
    for (let p = 0; p < 32 * 32 * 2; p++) {
      expect(Math.max(r.heatmap[p * 4], r.heatmap[p * 4 + 1], r.heatmap[p * 4 + 2])).toBeLessThanOrEqual(4)
      expect(r.heatmap[p * 4 + 3]).toBe(255)
    }
    // Capped, not Infinity: survives JSON as a number.
    expect(JSON.parse(JSON.stringify(r.perFrame))[0].psnr).toBe(PSNR_CAP_DB)
  })

  it('matches 10·log10(255² / MSE) for a known error', () => {
    const a = picture(40, 24)
    const r = compareImages({ width: 40, height: 24, frames: 1, a, b: plusMinus(a, 5) })
    expect(r.psnr).toBeCloseTo(psnrOf(25), 10)
    expect(r.perFrame[0].psnr).toBeCloseTo(34.1514, 3)
  })

  it('counts a single differing value over all R, G, B values of the frame', () => {
    const a = picture(16, 16)
    const b = a.slice()
    b[4 * 37 + 1] += 10
    const r = compareImages({ width: 16, height: 16, frames: 1, a, b })
    expect(r.psnr).toBeCloseTo(psnrOf(100 / (16 * 16 * 3)), 10)
  })

  it('pools the clip PSNR over frames and keeps the per-frame values apart', () => {
    const a = picture(24, 24, 2)
    const b = plusMinus(a, 8, 24 * 24) // second frame only
    const r = compareImages({ width: 24, height: 24, frames: 2, a, b })
    expect(r.perFrame[0].psnr).toBe(PSNR_CAP_DB)
    expect(r.perFrame[1].psnr).toBeCloseTo(psnrOf(64), 10)
    expect(r.psnr).toBeCloseTo(psnrOf(32), 10)
    expect(r.ssim).toBeCloseTo((r.perFrame[0].ssim + r.perFrame[1].ssim) / 2, 12)
    expect(r.perFrame[1].ssim).toBeLessThan(1)
  })

  it('lowers SSIM as the error grows', () => {
    const a = picture(32, 32)
    const s = [2, 6, 20].map(
      (d) => compareImages({ width: 32, height: 32, frames: 1, a, b: plusMinus(a, d) }).ssim
    )
    expect(s[0]).toBeLessThan(1)
    expect(s[1]).toBeLessThan(s[0])
    expect(s[2]).toBeLessThan(s[1])
  })

  it('works on frames smaller than the 11×11 SSIM window', () => {
    const a = picture(6, 5)
    const r = compareImages({ width: 6, height: 5, frames: 1, a, b: plusMinus(a, 3) })
    expect(r.ssim).toBeGreaterThan(0)
    expect(r.ssim).toBeLessThan(1)
  })

  it('draws the largest difference brightest and equal pixels black', () => {
    const a = picture(8, 8)
    const b = a.slice()
    b[4 * 10] += 30 // pixel 10: mean diff 10
    b[4 * 20] += 15 // pixel 20: mean diff 5
    const r = compareImages({ width: 8, height: 8, frames: 1, a, b })
    const rgb = (p: number) => Array.from(r.heatmap.subarray(p * 4, p * 4 + 3))
    const lum = (p: number) => rgb(p).reduce((s, v) => s + v, 0)
    expect(r.heatmapMax).toBe(10)
    expect(rgb(10)).toEqual([252, 255, 164]) // inferno's top
    expect(lum(20)).toBeGreaterThan(lum(0))
    expect(lum(20)).toBeLessThan(lum(10))
    expect(Math.max(...rgb(0))).toBeLessThanOrEqual(4)
  })

  it('EXPECTED FAILURE - throws bad_request when a buffer does not match the size', () => {
    const a = picture(8, 8)
    expect(() => compareImages({ width: 8, height: 8, frames: 1, a, b: a.subarray(4) })).toThrow(
      EngineFailure
    )
    expect(() => compareImages({ width: 8, height: 8, frames: 2, a, b: a })).toThrow(
      'compare: images of 256 and 256 bytes for 8×8×2 RGBA (expected 512 each)'
    )
  })
})

describe('psnrFromMse', () => {
  it('caps at PSNR_CAP_DB, including the infinite PSNR of zero error', () => {
    expect(psnrFromMse(0)).toBe(PSNR_CAP_DB)
    expect(psnrFromMse(1e-9)).toBe(PSNR_CAP_DB)
    expect(psnrFromMse(255 * 255)).toBe(0)
  })
})
