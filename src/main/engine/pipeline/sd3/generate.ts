import { flowMatchStepsSchedule } from '../flow-match'
import type { FamilyPipeline } from '../generate'
import { promptImageRun } from '../image-result'
import { checkSideMultiples } from '../image-size'
import { familyCacheRecipe, requestSampling, requestSetting } from '../request-settings'
import { vaeScaleFactor } from '../vae-decode'
import { sd3Denoise } from './denoise'
import type { Sd3Model } from './model'
import { encodeSd3Prompts, sd3Decode, tokenizeSd3Prompts } from './run'

/**
 * A generate request on an SD3 model, as StableDiffusion3Pipeline's __call__ reads it: settings →
 * prompt and negative prompt through CLIP-L, CLIP-G and T5 → seeded noise [1, C, H/8, W/8] →
 * FlowMatchEuler schedule (static shift) → denoising loop with the CFG batch → decode.
 */

export const runSd3Pipeline: FamilyPipeline<Sd3Model> = async (model, req, hooks) => {
  const t0 = performance.now()
  const { steps, guidance, negativePrompt, width, height } = requestSampling(req, model.defaults)
  // Sides a multiple of VAE scale × patch, within the position embedding's crop.
  checkSideMultiples(model, width, height)
  // One block list; CFG's branches are one batched call, so they share one cache context.
  const { cache, recipe } = familyCacheRecipe(model, req, {
    negativePrompt,
    steps,
    guidanceScale: guidance,
    separateCfg: false,
    width,
    height
  })
  const schedule = requestSetting(() => flowMatchStepsSchedule(model.configs.scheduler, steps))

  return promptImageRun({ t0, recipe, width, height }, req, hooks, {
    encode: () =>
      encodeSd3Prompts(model, tokenizeSd3Prompts(model, req.prompt, negativePrompt), hooks.beforeCall),
    // prepare_latents: randn [1, in_channels, H / vae scale, W / vae scale].
    channels: model.configs.transformer.in_channels,
    vaeScale: vaeScaleFactor(model.configs.vae.block_out_channels),
    decode: async (latent) => (await sd3Decode(model, latent, hooks.beforeCall)).image,
    denoise: (text, noise, loopHooks) =>
      sd3Denoise(model, { ...text, noise, schedule, guidanceScale: guidance, cache }, loopHooks)
  })
}
