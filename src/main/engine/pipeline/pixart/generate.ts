import type { CacheConfig } from '../../../../shared/cache-config'
import type { GenerateRequest, GenerationResult } from '../../../../shared/generation'
import type { PipelineHooks } from '../generate'
import { imageResult } from '../image-result'
import { familyRecipe, requestCache, requestSetting } from '../request-settings'
import { dpmSolverSchedule } from '../schedulers/dpm-solver'
import { seededNoise } from '../seeded-noise'
import { denoiseTimer, previewFrame } from '../step-progress'
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
  // One block list; CFG's branches share one cache context when they run as one batched call.
  const batchedCfg = pixartUsesCfg(guidance) && model.shape.fixedBatch !== 1
  const cache: CacheConfig = {
    ...requestCache(req),
    mergeBlockLists: false,
    enableSeparateCfg: !batchedCfg
  }
  const recipe = familyRecipe(model, req, {
    negativePrompt,
    steps,
    guidanceScale: guidance,
    separateCfg: !batchedCfg,
    cache,
    width,
    height
  })
  const schedule = requestSetting(() => dpmSolverSchedule(model.configs.scheduler, steps))

  const tEncode = performance.now()
  const tokens = tokenizePixArtPrompts(model, req.prompt, negativePrompt)
  const text = await encodePixArtPrompts(model, tokens, hooks.beforeCall)
  const encodeMs = performance.now() - tEncode

  // prepare_latents: randn [1, C, H / vae scale, W / vae scale] · init_noise_sigma (1).
  const scale = pixartVaeScale(model.configs.vae)
  const C = model.configs.transformer.in_channels
  const dims = [1, C, Math.floor(height / scale), Math.floor(width / scale)]
  const noise = seededNoise(hooks.noise, req.seed, dims, `${width}×${height}`)

  const timer = denoiseTimer(hooks.onProgress, req.previewEvery, async (r) =>
    previewFrame((await pixartDecode(model, r.latent, hooks.beforeCall)).image, false)
  )
  const denoised = await pixartDenoise(
    model,
    { ...text, noise, schedule, guidanceScale: guidance, width, height, cache },
    { createStepCache: hooks.createStepCache, beforeCall: hooks.beforeCall, warm: true, onStep: timer.onStep }
  )
  const timings = timer.finish(denoised.prepareMs)
  return imageResult(
    { t0, recipe, encodeMs, denoised, timings },
    async (latent) => (await pixartDecode(model, latent, hooks.beforeCall)).image,
    false,
    hooks.onDecoded
  )
}
