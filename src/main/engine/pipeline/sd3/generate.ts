import type { CacheConfig } from '../../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../../shared/engine-protocol'
import type { GenerateRequest, GenerationResult, Recipe } from '../../../../shared/generation'
import { resolveCacheConfig } from '../../../../shared/presets'
import { EngineFailure } from '../../errors'
import { tensor } from '../../tensor'
import { toFrames } from '../decode'
import type { StepReport } from '../denoise'
import { flowMatchStepsSchedule } from '../flow-match'
import type { PipelineHooks } from '../generate'
import { gaussianNoise } from '../noise'
import { encodePng } from '../png'
import { stepProgress } from '../step-progress'
import { sd3VaeScale } from './configs'
import { sd3Denoise } from './denoise'
import type { Sd3Model } from './model'
import { encodeSd3Prompts, sd3Decode, tokenizeSd3Prompts } from './run'

/**
 * A generate request on an SD3 model, as StableDiffusion3Pipeline's __call__ reads it: settings →
 * prompt and negative prompt through CLIP-L, CLIP-G and T5 → seeded noise [1, C, H/8, W/8] →
 * FlowMatchEuler schedule (static shift) → denoising loop with the CFG batch → decode.
 */

/** Sides a multiple of VAE scale × patch, within the position embedding's crop. */
export function checkSd3Size(model: Sd3Model, width: number, height: number): void {
  const { multipleOf, max } = model.sizes
  for (const [name, v] of [
    ['width', width],
    ['height', height]
  ] as const) {
    if (!Number.isInteger(v) || v % multipleOf !== 0 || v < multipleOf || v > max)
      throw new EngineFailure(
        'bad_request',
        `${name} ${v}: ${model.id} makes images whose sides are multiples of ${multipleOf} up to ${max}`
      )
  }
}

export async function runSd3Pipeline(
  model: Sd3Model,
  req: GenerateRequest,
  hooks: PipelineHooks
): Promise<GenerationResult> {
  const t0 = performance.now()
  const steps = req.steps ?? model.defaults.steps
  const guidance = req.guidanceScale ?? model.defaults.guidanceScale
  const negativePrompt = req.negativePrompt ?? model.defaults.negativePrompt
  const width = req.width ?? model.defaults.width
  const height = req.height ?? model.defaults.height
  checkSd3Size(model, width, height)
  let resolved: CacheConfig
  try {
    resolved = resolveCacheConfig(req.cache.preset, req.cache.overrides)
  } catch (e) {
    throw new EngineFailure('bad_request', `cache ${req.cache.preset}: ${(e as Error).message}`)
  }
  // One block list; CFG's branches are one batched call, so they share one cache context.
  const cache: CacheConfig = { ...resolved, mergeBlockLists: false, enableSeparateCfg: false }
  const recipe: Recipe = {
    model: model.id,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt,
    seed: req.seed,
    steps,
    guidanceScale: guidance,
    separateCfg: false,
    preset: req.cache.preset,
    cache,
    provider: model.provider,
    engineVersion: ENGINE_VERSION,
    width,
    height
  }
  let schedule
  try {
    schedule = flowMatchStepsSchedule(model.configs.scheduler, steps)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }

  const tEncode = performance.now()
  const tokens = tokenizeSd3Prompts(model, req.prompt, negativePrompt)
  const text = await encodeSd3Prompts(model, tokens, hooks.beforeCall)
  const encodeMs = performance.now() - tEncode

  // prepare_latents: randn [1, in_channels, H / vae scale, W / vae scale].
  const scale = sd3VaeScale(model.configs.vae)
  const C = model.configs.transformer.in_channels
  const dims = [1, C, Math.floor(height / scale), Math.floor(width / scale)]
  const count = dims.reduce((a, b) => a * b, 1)
  if (hooks.noise && hooks.noise.length !== count)
    throw new Error(
      `the injected noise has ${hooks.noise.length} values, a ${width}×${height} latent ${count}`
    )
  const noise = tensor(hooks.noise ? Float32Array.from(hooks.noise) : gaussianNoise(req.seed, count), dims)

  const perStepMs: number[] = []
  let tDenoise = 0
  const onStep = async (r: StepReport) => {
    if (r.step === 0) tDenoise = performance.now() - r.stepMs
    perStepMs.push(r.stepMs)
    if (!hooks.onProgress) return
    hooks.onProgress(
      await stepProgress(r, tDenoise, req.previewEvery, async () => {
        const frames = toFrames((await sd3Decode(model, r.latent, hooks.beforeCall)).image, false)
        return { width: frames.width, height: frames.height, pixels: frames.pixels }
      })
    )
  }
  const tStart = performance.now()
  const denoised = await sd3Denoise(
    model,
    { ...text, noise, schedule, guidanceScale: guidance, cache },
    { createStepCache: hooks.createStepCache, beforeCall: hooks.beforeCall, warm: true, onStep }
  )
  const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
  const previewMs = Math.max(0, performance.now() - tStart - denoised.prepareMs - denoiseMs)

  const tDecode = performance.now()
  const { image } = await sd3Decode(model, denoised.latent, hooks.beforeCall)
  hooks.onDecoded?.(denoised.latent, image)
  const frames = toFrames(image, false)
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
    trace: [...denoised.stepCache.traces()],
    summary: denoised.stepCache.summary(),
    timings: {
      totalMs: performance.now() - t0,
      prepareMs: denoised.prepareMs,
      encodeMs,
      denoiseMs,
      previewMs,
      decodeMs,
      perStepMs
    }
  }
}
