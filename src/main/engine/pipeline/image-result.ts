import type { GenerateRequest, GenerationResult, OutputFile, Recipe } from '../../../shared/generation'
import type { StepCache } from '../cache/seam'
import type { Tensor } from '../tensor'
import { toFrames, type Frames } from './decode'
import type { FamilyDenoised, FamilyDenoiseHooks } from './family-loop'
import type { PipelineHooks } from './generate'
import { encodePng } from './png'
import { imageLatentDims, seededNoise } from './seeded-noise'
import { timedDenoise, type DenoiseTimings } from './step-progress'

/**
 * The end of a family pipeline (FLUX, SD3, PixArt, Qwen-Image): decode the final latent, hand it
 * and the image to onDecoded, encode the PNG with the recipe and report the run. A video
 * pipeline (Wan) makes its files itself and reports the run with `framesResult`. SD3's and
 * PixArt's whole run after the settings is promptImageRun, at the end of this file.
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
function runReport(
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
 * The final latent decoded (`decode` gives the image tensor in [0, 1]: [1, 3, H, W], or
 * [1, 3, F, H, W] where `video` layout), both handed to onDecoded, as RGBA8 frames.
 */
export async function decodedFrames(
  latent: Tensor,
  decode: (latent: Tensor) => Promise<Tensor>,
  video: boolean,
  onDecoded: ((latent: Tensor, image: Tensor) => void) | undefined
): Promise<Frames> {
  const image = await decode(latent)
  onDecoded?.(latent, image)
  return toFrames(image, video)
}

/** Decodes the run's final latent (see decodedFrames) and makes the one-image result with its PNG. */
export async function imageResult(
  run: FinishedRun,
  decode: (latent: Tensor) => Promise<Tensor>,
  video: boolean,
  onDecoded: ((latent: Tensor, image: Tensor) => void) | undefined
): Promise<GenerationResult> {
  const { recipe } = run
  const tDecode = performance.now()
  const frames = await decodedFrames(run.denoised.latent, decode, video, onDecoded)
  const decodeMs = performance.now() - tDecode
  const png = encodePng(frames.width, frames.height, frames.pixels, recipe)
  return framesResult(run, frames, [{ name: 'image.png', mime: 'image/png', bytes: png }], decodeMs)
}

/**
 * A run's result from its decoded frames and the files made of them: one image, or (with `fps`)
 * a video of all the frames; the run's report last (runReport takes totalMs now).
 */
export function framesResult(
  run: FinishedRun,
  out: Frames,
  files: OutputFile[],
  decodeMs: number,
  fps?: number
): GenerationResult {
  return {
    recipe: run.recipe,
    kind: fps === undefined ? 'image' : 'video',
    width: out.width,
    height: out.height,
    frames: fps === undefined ? 1 : out.frames,
    ...(fps === undefined ? {} : { fps }),
    pixels: out.pixels,
    files,
    ...runReport(run, decodeMs)
  }
}

/** How a prompt-to-image family (SD3, PixArt) runs its own parts in promptImageRun. */
export interface PromptImageParts<Text> {
  /** Tokenizes and encodes the prompt and negative prompt (timed as encodeMs). */
  encode(): Promise<Text>
  /** prepare_latents' channels and the VAE's scale: the noise is [1, C, H / scale, W / scale]. */
  channels: number
  vaeScale: number
  /** The VAE decode of a latent to the image tensor [1, 3, H, W] in [0, 1]. */
  decode(latent: Tensor): Promise<Tensor>
  /** The family's loop from the encoded text and the initial noise. */
  denoise(text: Text, noise: Tensor, hooks: FamilyDenoiseHooks): Promise<FamilyDenoised>
}

/**
 * The part of SD3's and PixArt's __call__ after the settings, the same in both: the prompts
 * encoded, prepare_latents' seeded noise [1, C, H / vae scale, W / vae scale], the timed loop
 * with previews of the latent itself, decode and the PNG with the recipe.
 */
export async function promptImageRun<Text>(
  start: { t0: number; recipe: Recipe; width: number; height: number },
  req: GenerateRequest,
  hooks: PipelineHooks,
  parts: PromptImageParts<Text>
): Promise<GenerationResult> {
  const { t0, recipe, width, height } = start
  const tEncode = performance.now()
  const text = await parts.encode()
  const encodeMs = performance.now() - tEncode

  const dims = imageLatentDims(parts.channels, width, height, parts.vaeScale)
  const noise = seededNoise(hooks.noise, req.seed, dims, `${width}×${height}`)
  const decode = (latent: Tensor) => parts.decode(latent)
  const { denoised, timings } = await timedDenoise(
    hooks,
    req.previewEvery,
    (r) => decode(r.latent),
    false,
    (loopHooks) => parts.denoise(text, noise, loopHooks)
  )
  return imageResult({ t0, recipe, encodeMs, denoised, timings }, decode, false, hooks.onDecoded)
}
