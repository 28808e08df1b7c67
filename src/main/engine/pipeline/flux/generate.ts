import type { Tensor } from '../../tensor'
import { flowMatchSchedule } from '../flow-match'
import type { FamilyPipeline } from '../generate'
import { imageResult } from '../image-result'
import { checkSideMultiples } from '../image-size'
import { familyCacheRecipe, requestSampling } from '../request-settings'
import { seededNoise } from '../seeded-noise'
import { predictedClean, timedDenoise } from '../step-progress'
import { vaeScaleFactor } from '../vae-decode'
import { latentSize, packLatents } from './latents'
import type { FluxModel } from './model'
import { encodeFlux, fluxDecode, fluxDenoise, tokenizeFlux } from './run'

/**
 * A generate request on a FLUX model, as FluxPipeline's __call__ reads: settings (size per
 * request, a multiple of VAE scale · 2) → prompt encoding → seeded noise in the unpacked latent's
 * layout, packed → schedule with the dynamic shift of this size → denoising loop → decode.
 * The request's guidance is the distilled guidance embedding: one transformer call per step.
 */

export const runFluxPipeline: FamilyPipeline<FluxModel> = async (model, req, hooks) => {
  const t0 = performance.now()
  // 1. Settings.
  // No negative prompt (FluxPipeline's true_cfg_scale is not offered): the recipe's is ''.
  const { steps, guidance, width, height } = requestSampling(req, model.defaults)
  checkSideMultiples(model, width, height)
  // CacheDiT's Flux adapter caches the double- and single-stream lists as one (F8B0 counts both).
  const { cache, recipe } = familyCacheRecipe(
    model,
    req,
    { negativePrompt: '', steps, guidanceScale: guidance, separateCfg: false, width, height },
    {},
    true
  )

  // 2. Prompt: CLIP pooled and T5 states.
  const tEncode = performance.now()
  const text = await encodeFlux(model, tokenizeFlux(model, req.prompt), hooks.beforeCall)
  const encodeMs = performance.now() - tEncode

  // 3. Noise drawn in the VAE latent's layout [1, C, h, w] (as randn_tensor), then packed.
  const latent = latentSize(width, height, vaeScaleFactor(model.configs.vae.block_out_channels))
  const C = model.configs.transformer.in_channels / 4
  const noise = packLatents(
    seededNoise(hooks.noise, req.seed, [1, C, latent.h, latent.w], `${width}×${height}`)
  )
  const schedule = flowMatchSchedule(model.configs.scheduler, steps, noise.dims[1])

  // 4. Denoising loop through the step cache, on warm sessions.
  const decode = async (packed: Tensor) => (await fluxDecode(model, packed, latent, hooks.beforeCall)).image
  // The preview: the predicted clean sample, decoded: what the image is becoming.
  const { denoised, timings } = await timedDenoise(
    hooks,
    req.previewEvery,
    (r) => decode(predictedClean(r)),
    false,
    (loopHooks) => fluxDenoise(model, { text, noise, latent, schedule, guidance, cache }, loopHooks)
  )

  // 5. Decode and encode the PNG with the recipe.
  return imageResult({ t0, recipe, encodeMs, denoised, timings }, decode, false, hooks.onDecoded)
}
