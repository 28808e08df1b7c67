import { ssim } from 'ssim.js'
import { PSNR_CAP_DB, type CompareResult } from '../../../shared/engine-protocol'
import { EngineFailure } from '../errors'
import { infernoLut } from './colormap'

/**
 * Image and video comparison for the compare view and the bench: PSNR, SSIM and a difference
 * heatmap of two outputs of the same size (e.g. cached vs uncached). Inputs are RGBA8,
 * frame-major; alpha is ignored (outputs are opaque).
 */

/** CompareRequestSchema's shape, taking views of any buffer (subarrays of a clip too). */
export interface CompareInput {
  width: number
  height: number
  frames: number
  a: Uint8Array
  b: Uint8Array
}

const MAX = 255
/** Wang et al.'s 11×11 Gaussian window, shrunk for frames smaller than it. */
const SSIM_WINDOW = 11

/** PSNR in dB of a mean squared error on 8-bit values, capped (see PSNR_CAP_DB). */
export function psnrFromMse(mse: number): number {
  if (mse <= 0) return PSNR_CAP_DB
  return Math.min(PSNR_CAP_DB, 10 * Math.log10((MAX * MAX) / mse))
}

/** Sum of squared differences over the R, G, B values of pixels [from, to). */
function squaredError(a: Uint8Array, b: Uint8Array, from: number, to: number): number {
  let s = 0
  for (let p = from; p < to; p++) {
    const o = p * 4
    const dr = a[o] - b[o]
    const dg = a[o + 1] - b[o + 1]
    const db = a[o + 2] - b[o + 2]
    s += dr * dr + dg * dg + db * db
  }
  return s
}

/**
 * SSIM of one frame with ssim.js's 'original' algorithm: the MATLAB reference of Wang et al.
 * 2004 (Gaussian window, K1 = 0.01, K2 = 0.03, luma, downsampled past 256 px as in the paper's
 * script), which ssim.js validates against that script's outputs.
 */
function frameSsim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const img = (px: Uint8Array) => ({
    width,
    height,
    data: new Uint8ClampedArray(px.buffer, px.byteOffset, px.length)
  })
  const windowSize = Math.min(SSIM_WINDOW, width, height)
  return ssim(img(a), img(b), { ssim: 'original', windowSize }).mssim
}

/**
 * Per pixel, the mean absolute difference over R, G, B, drawn through inferno so that the largest
 * difference of the whole clip is brightest and equal pixels are black. Scaling to the clip's own
 * maximum shows where two near-identical outputs differ; `heatmapMax` says how much that is.
 */
function heatmap(a: Uint8Array, b: Uint8Array, pixels: number): { map: Uint8Array; max: number } {
  const diff = new Float32Array(pixels)
  let max = 0
  for (let p = 0; p < pixels; p++) {
    const o = p * 4
    const d = (Math.abs(a[o] - b[o]) + Math.abs(a[o + 1] - b[o + 1]) + Math.abs(a[o + 2] - b[o + 2])) / 3
    diff[p] = d
    if (d > max) max = d
  }
  const lut = infernoLut()
  const map = new Uint8Array(pixels * 4)
  for (let p = 0; p < pixels; p++) {
    const k = max > 0 ? Math.round((diff[p] / max) * 255) : 0
    map[p * 4] = lut[k * 3]
    map[p * 4 + 1] = lut[k * 3 + 1]
    map[p * 4 + 2] = lut[k * 3 + 2]
    map[p * 4 + 3] = 255
  }
  return { map, max }
}

/**
 * PSNR and SSIM per frame and over the clip, and the difference heatmap. The clip's PSNR comes
 * from the mean squared error of all frames together (as ffmpeg's psnr filter reports its
 * average), so one identical frame cannot lift it to the cap; its SSIM is the mean of the frames'.
 */
export function compareImages({ width, height, frames, a, b }: CompareInput): CompareResult {
  const size = width * height * 4 * frames
  if (a.length !== size || b.length !== size) {
    throw new EngineFailure(
      'bad_request',
      `compare: images of ${a.length} and ${b.length} bytes for ${width}×${height}×${frames} RGBA (expected ${size} each)`
    )
  }
  const perFramePixels = width * height
  const perFrame: CompareResult['perFrame'] = []
  let total = 0
  for (let f = 0; f < frames; f++) {
    const se = squaredError(a, b, f * perFramePixels, (f + 1) * perFramePixels)
    total += se
    const fa = a.subarray(f * perFramePixels * 4, (f + 1) * perFramePixels * 4)
    const fb = b.subarray(f * perFramePixels * 4, (f + 1) * perFramePixels * 4)
    perFrame.push({ psnr: psnrFromMse(se / (perFramePixels * 3)), ssim: frameSsim(fa, fb, width, height) })
  }
  const { map, max } = heatmap(a, b, perFramePixels * frames)
  return {
    psnr: psnrFromMse(total / (perFramePixels * 3 * frames)),
    ssim: perFrame.reduce((s, p) => s + p.ssim, 0) / frames,
    perFrame,
    heatmap: map,
    heatmapMax: max
  }
}
