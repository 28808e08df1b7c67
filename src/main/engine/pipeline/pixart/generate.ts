import type { CacheConfig } from '../../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../../shared/engine-protocol'
import type { GenerateRequest, GenerationResult, Recipe } from '../../../../shared/generation'
import { resolveCacheConfig } from '../../../../shared/presets'
import { EngineFailure } from '../../errors'
import { tensor } from '../../tensor'
import { toFrames } from '../decode'
import type { StepReport } from '../denoise'
import type { PipelineHooks } from '../generate'
import { gaussianNoise } from '../noise'
import { encodePng } from '../png'
import { dpmSolverSchedule } from '../schedulers/dpm-solver'
import { stepProgress } from '../step-progress'
import { pixartVaeScale } from './configs'
import { pixartDenoise, pixartUsesCfg } from './denoise'
import type { PixArtModel } from './model'
import { encodePixArtPrompts, pixartDecode, tokenizePixArtPrompts } from './run'
import { checkPixArtSize } from './shape'

/**
 * A generate request on a PixArt-Σ model, as PixArtSigmaPipeline's __call__ reads (with
 * use_resolution_binning=False: the size asked for is the size made): settings → prompt and
 * negative prompt through T5 → seeded noise [1, C, h, w] → DPM-Solver schedule → denoising loop
 * with CFG → decode. A static transformer graph makes its one size only.
 */

export async function runPixArtPipeline(
  model: PixArtModel,
  req: GenerateRequest,
  hooks: PipelineHooks
): Promise<GenerationResult> {
  const t0 = performance.now()
  const steps = req.steps ?? model.defaults.steps
  const guidance = req.guidanceScale ?? model.defaults.guidanceScale
  const negativePrompt = req.negativePrompt ?? model.defaults.negativePrompt
  const width = req.width ?? model.defaults.width
  const height = req.height ?? model.defaults.height
  checkPixArtSize(model.shape, width, height, model.id)
  let resolved: CacheConfig
  try {
    resolved = resolveCacheConfig(req.cache.preset, req.cache.overrides)
  } catch (e) {
    throw new EngineFailure('bad_request', `cache ${req.cache.preset}: ${(e as Error).message}`)
  }
  // One block list; CFG's branches share one cache context when they run as one batched call.
  const batchedCfg = pixartUsesCfg(guidance) && model.shape.fixedBatch !== 1
  const cache: CacheConfig = { ...resolved, mergeBlockLists: false, enableSeparateCfg: !batchedCfg }
  const recipe: Recipe = {
    model: model.id,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt,
    seed: req.seed,
    steps,
    guidanceScale: guidance,
    separateCfg: !batchedCfg,
    preset: req.cache.preset,
    cache,
    provider: model.provider,
    engineVersion: ENGINE_VERSION,
    width,
    height
  }
  let schedule
  try {
    schedule = dpmSolverSchedule(model.configs.scheduler, steps)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }

  const tEncode = performance.now()
  const tokens = tokenizePixArtPrompts(model, req.prompt, negativePrompt)
  const text = await encodePixArtPrompts(model, tokens, hooks.beforeCall)
  const encodeMs = performance.now() - tEncode

  // prepare_latents: randn [1, C, H / vae scale, W / vae scale] · init_noise_sigma (1).
  const scale = pixartVaeScale(model.configs.vae)
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
        const frames = toFrames((await pixartDecode(model, r.latent, hooks.beforeCall)).image, false)
        return { width: frames.width, height: frames.height, pixels: frames.pixels }
      })
    )
  }
  const tStart = performance.now()
  const denoised = await pixartDenoise(
    model,
    { ...text, noise, schedule, guidanceScale: guidance, width, height, cache },
    { createStepCache: hooks.createStepCache, beforeCall: hooks.beforeCall, warm: true, onStep }
  )
  const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
  const previewMs = Math.max(0, performance.now() - tStart - denoised.prepareMs - denoiseMs)

  const tDecode = performance.now()
  const { image } = await pixartDecode(model, denoised.latent, hooks.beforeCall)
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
