import type { GenerationResult, Recipe } from '../../../shared/generation'
import type { StepCache } from '../cache/seam'
import type { Tensor } from '../tensor'
import { toFrames } from './decode'
import { encodePng } from './png'
import type { DenoiseTimings } from './step-progress'

/**
 * The end of a family pipeline (FLUX, SD3, PixArt, Qwen-Image): decode the final latent, hand it
 * and the image to onDecoded, encode the PNG with the recipe and report the run. A video
 * pipeline (Wan) makes its files itself and reports the run with `runReport`.
 */

/** What a family's run has made by the time its loop returns. */
export interface FinishedRun {
  /** performance.now() when the request began (totalMs counts from it). */
  t0: number
  recipe: Recipe
  encodeMs: number
  denoised: { latent: Tensor; stepCache: StepCache; prepareMs: number }
  timings: DenoiseTimings
}

/** The trace, summary and timings of a result; totalMs is taken now, so call it last. */
export function runReport(
  run: FinishedRun,
  decodeMs: number
): Pick<GenerationResult, 'trace' | 'summary' | 'timings'> {
  const { stepCache, prepareMs } = run.denoised
  const { perStepMs, denoiseMs, previewMs } = run.timings
  return {
    trace: [...stepCache.traces()],
    summary: stepCache.summary(),
    timings: {
      totalMs: performance.now() - run.t0,
      prepareMs,
      encodeMs: run.encodeMs,
      denoiseMs,
      previewMs,
      decodeMs,
      perStepMs
    }
  }
}

/**
 * Decodes the run's final latent (`decode` gives the image tensor in [0, 1]: [1, 3, H, W], or
 * [1, 3, 1, H, W] where `video` layout) and makes the one-image result with its PNG.
 */
export async function imageResult(
  run: FinishedRun,
  decode: (latent: Tensor) => Promise<Tensor>,
  video: boolean,
  onDecoded: ((latent: Tensor, image: Tensor) => void) | undefined
): Promise<GenerationResult> {
  const { recipe } = run
  const latent = run.denoised.latent
  const tDecode = performance.now()
  const image = await decode(latent)
  onDecoded?.(latent, image)
  const frames = toFrames(image, video)
  const decodeMs = performance.now() - tDecode
  return {
    recipe,
    kind: 'image',
    width: frames.width,
    height: frames.height,
    frames: 1,
    pixels: frames.pixels,
    files: [
      {
        name: 'image.png',
        mime: 'image/png',
        bytes: encodePng(frames.width, frames.height, frames.pixels, recipe)
      }
    ],
    ...runReport(run, decodeMs)
  }
}
