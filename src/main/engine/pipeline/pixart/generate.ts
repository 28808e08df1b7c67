import type { FamilyPipeline } from '../generate'
import { usesCfg } from '../guidance'
import { promptImageRun } from '../image-result'
import { familyCacheRecipe, requestSampling, requestSetting } from '../request-settings'
import { dpmSolverSchedule } from '../schedulers/dpm-solver'
import { vaeScaleFactor } from '../vae-decode'
import { pixartDenoise } from './denoise'
import type { PixArtModel } from './model'
import { encodePixArtPrompts, pixartDecode, tokenizePixArtPrompts } from './run'
import { checkPixArtSize } from './shape'

/**
 * A generate request on a PixArt-Σ model, as PixArtSigmaPipeline's __call__ reads (with
 * use_resolution_binning=False: the size asked for is the size made): settings → prompt and
 * negative prompt through T5 → seeded noise [1, C, h, w] → DPM-Solver schedule → denoising loop
 * with CFG → decode. A static transformer graph makes its one size only.
 */

export const runPixArtPipeline: FamilyPipeline<PixArtModel> = async (model, req, hooks) => {
  const t0 = performance.now()
  const { steps, guidance, negativePrompt, width, height } = requestSampling(req, model.defaults)
  checkPixArtSize(model.shape, width, height, model.id)
  // One block list; CFG's branches share one cache context when they run as one batched call.
  const batchedCfg = usesCfg(guidance) && model.shape.fixedBatch !== 1
  const { cache, recipe } = familyCacheRecipe(model, req, {
    negativePrompt,
    steps,
    guidanceScale: guidance,
    separateCfg: !batchedCfg,
    width,
    height
  })
  const schedule = requestSetting(() => dpmSolverSchedule(model.configs.scheduler, steps))

  return promptImageRun({ t0, recipe, width, height }, req, hooks, {
    encode: () =>
      encodePixArtPrompts(model, tokenizePixArtPrompts(model, req.prompt, negativePrompt), hooks.beforeCall),
    // prepare_latents: randn [1, C, H / vae scale, W / vae scale] · init_noise_sigma (1).
    channels: model.configs.transformer.in_channels,
    vaeScale: vaeScaleFactor(model.configs.vae.block_out_channels),
    decode: async (latent) => (await pixartDecode(model, latent, hooks.beforeCall)).image,
    denoise: (text, noise, loopHooks) =>
      pixartDenoise(
        model,
        { ...text, noise, schedule, guidanceScale: guidance, width, height, cache },
        loopHooks
      )
  })
}
