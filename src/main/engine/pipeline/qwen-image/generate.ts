import { EngineFailure } from '../../errors'
import type { Tensor } from '../../tensor'
import { flowMatchSchedule } from '../flow-match'
import { packLatents } from '../flux/latents'
import type { FamilyPipeline } from '../generate'
import { imageResult } from '../image-result'
import { familyCacheRecipe, requestSetting } from '../request-settings'
import { seededNoise } from '../seeded-noise'
import { timedDenoise } from '../step-progress'
import { qwenDenoise, qwenUsesTrueCfg } from './denoise'
import type { QwenImageModel } from './model'
import { readRequestEmbeds } from './request-embeds'
import { qwenDecode, qwenVaeScale, type QwenImageVae } from './vae'

/**
 * A generate request on a Qwen-Image model, as QwenImagePipeline's __call__ reads it with
 * prompt_embeds given: the precomputed embeddings (and negative ones: true CFG at
 * true_cfg_scale = the request's guidance) → seeded noise [1, C, h, w] (C = in_channels / 4),
 * packed into 2×2 patches → FlowMatchEuler with sigmas linspace(1, 1/n, n) and mu of the token
 * count → the loop (denoise.ts) → unpack, denormalise, VAE decode (vae.ts) → PNG. The exported
 * transformer bakes one latent grid into its RoPE table, so the image size is the model's.
 */

/** A Qwen-Image model with its VAE decoder (null: the package has none; generate refuses). */
export interface QwenImageGenerateModel extends QwenImageModel {
  readonly vae: QwenImageVae | null
}

export const runQwenImagePipeline: FamilyPipeline<QwenImageGenerateModel> = async (model, req, hooks) => {
  const t0 = performance.now()
  const vae = model.vae
  if (!vae)
    throw new EngineFailure(
      'model_invalid',
      `${model.name}: the package has no vae_decoder graph, so it cannot make images (import a folder with vae_decoder/model.onnx)`
    )
  const steps = req.steps ?? model.defaults.steps
  const trueCfgScale = req.guidanceScale ?? model.defaults.trueCfgScale
  const width = req.width ?? model.defaults.width
  const height = req.height ?? model.defaults.height
  const scale = qwenVaeScale(vae.config)
  const h = 2 * Math.floor(height / (scale * 2))
  const w = 2 * Math.floor(width / (scale * 2))
  if (
    width !== model.defaults.width ||
    height !== model.defaults.height ||
    (h / 2) * (w / 2) !== model.shape.imageTokens
  )
    throw new EngineFailure(
      'bad_request',
      `${width}×${height}: ${model.name}'s transformer graph was exported for ${model.defaults.width}×${model.defaults.height} only (${model.shape.imageTokens} image tokens)`
    )
  const C = model.configs.transformer.in_channels / 4
  if (vae.config.z_dim !== C)
    throw new EngineFailure(
      'model_invalid',
      `${model.name}: vae_decoder z_dim ${vae.config.z_dim} is not the transformer's latent channels ${C} (in_channels / 4)`
    )
  if (req.negativePrompt && !req.negativePromptEmbeds)
    throw new EngineFailure(
      'bad_request',
      `${model.name} reads no negative prompt text: give its embeddings (studio generate --negative-prompt-embeds FILE)`
    )

  const tEncode = performance.now()
  const embeds = await readRequestEmbeds(req, model.configs.transformer.joint_attention_dim, model.name)
  const encodeMs = performance.now() - tEncode
  const cfg = qwenUsesTrueCfg(trueCfgScale, embeds.uncond)

  // One block list; true CFG's negative call is its own call, so its own cache context.
  const { cache, recipe } = familyCacheRecipe(
    model,
    req,
    {
      negativePrompt: req.negativePrompt ?? '',
      steps,
      guidanceScale: trueCfgScale,
      separateCfg: cfg,
      width,
      height
    },
    embeds.record
  )
  const schedule = requestSetting(() =>
    flowMatchSchedule(model.configs.scheduler, steps, model.shape.imageTokens)
  )

  // prepare_latents: randn [1, 1, C, h, w] (one frame; the same values as [1, C, h, w]), packed.
  const noise = packLatents(seededNoise(hooks.noise, req.seed, [1, C, h, w], `${width}×${height}`))

  const decode = (latent: Tensor) => qwenDecode(vae, latent, h, w, hooks.beforeCall)
  // (qwenDenoise runs no warm-up: its hooks' warm is not read.)
  const { denoised, timings } = await timedDenoise(
    hooks,
    req.previewEvery,
    (r) => decode(r.latent),
    true,
    (loopHooks) =>
      qwenDenoise(
        model,
        { cond: embeds.cond, uncond: cfg ? embeds.uncond : null, noise, schedule, trueCfgScale, cache },
        loopHooks
      )
  )
  return imageResult({ t0, recipe, encodeMs, denoised, timings }, decode, true, hooks.onDecoded)
}
