import type { CacheConfig } from '../../../../shared/cache-config'
import type { BeforeCall } from '../../model/block-program'
import { tensor, type Tensor } from '../../tensor'
import { denoise, type DenoiseInput } from '../denoise'
import { prepareSegments, refuseUncacheable, type FamilyDenoise } from '../family-loop'
import type { FlowMatchSchedule } from '../flow-match'
import { encoderOutput, type TextEmbedding } from '../text-encoder'
import { vaeDecodeImage, type VaeDecoded } from '../vae-decode'
import { warmUp } from '../warm-up'
import { latentImageIds, textIds, unpackLatents } from './latents'
import type { FluxModel } from './model'

/**
 * FluxPipeline's steps after the settings, shared by generate and replay: prompt → CLIP pooled +
 * T5 states; the denoising loop (the engine's, through the step cache) with the image and text
 * ids and the distilled guidance as extra embed inputs; unpack → VAE scaling → decode.
 */

export interface FluxText {
  text_hidden: Tensor
  text_pooled: Tensor
}

export interface FluxTokenIds {
  clip: readonly (number | bigint)[] | BigInt64Array
  t5: readonly (number | bigint)[] | BigInt64Array
}

/** Token ids of a prompt as FluxPipeline makes them: CLIP to its 77, T5 to `t5Length`. */
export function tokenizeFlux(model: FluxModel, prompt: string, t5Length = model.t5.maxLength): FluxTokenIds {
  return {
    clip: model.clip.tokenizer.encode(prompt, model.clip.maxLength),
    t5: model.t5.tokenizer.encode(prompt, t5Length)
  }
}

/** text_encoder(ids).pooler_output and text_encoder_2(ids).last_hidden_state. */
export async function encodeFlux(
  model: FluxModel,
  ids: FluxTokenIds,
  beforeCall: BeforeCall
): Promise<FluxText> {
  const feed = (x: FluxTokenIds['clip']) => ({
    int64: BigInt64Array.from(x as ArrayLike<number | bigint>, (v) => BigInt(v)),
    dims: [1, x.length]
  })
  const run = (encoder: FluxModel['clip']['encoder'], x: FluxTokenIds['clip'], output: string) =>
    encoderOutput(encoder, { [encoder.inputNames[0]]: feed(x) }, output, beforeCall)
  return {
    text_pooled: await run(model.clip.encoder, ids.clip, 'pooler_output'),
    text_hidden: await run(model.t5.encoder, ids.t5, 'last_hidden_state')
  }
}

export interface FluxDenoiseInput {
  text: FluxText
  /** Packed initial latents [1, (h/2)(w/2), 4C]. */
  noise: Tensor
  /** The unpacked latent's height and width. */
  latent: { h: number; w: number }
  schedule: FlowMatchSchedule
  /** The distilled guidance (FLUX.1-dev); ignored by a transformer without guidance_embeds. */
  guidance: number
  /** mergeBlockLists resolved. */
  cache: CacheConfig
}

export const fluxDenoise: FamilyDenoise<FluxModel, FluxDenoiseInput> = async (model, input, hooks) => {
  const { cache } = input
  refuseUncacheable(model, cache)
  const merge = cache.mergeBlockLists ?? true
  const t0 = performance.now()
  for (const t of model.transformers) await prepareSegments(t, cache, merge, 1, hooks.beforeCall)
  const cond: TextEmbedding = {
    ...input.text,
    img_ids: latentImageIds(input.latent.h, input.latent.w),
    txt_ids: textIds(input.text.text_hidden.dims[1]),
    // FluxPipeline passes guidance only to a guidance-distilled transformer (FLUX.1-dev).
    ...(model.configs.transformer.guidance_embeds
      ? { guidance: tensor(Float32Array.of(input.guidance), [1]) }
      : {})
  }
  // No CFG: one call per step, branch 'cond' (FluxPipeline's true_cfg_scale is not offered).
  const denoiseInput: DenoiseInput = {
    noise: input.noise,
    sigmas: input.schedule.sigmas,
    timesteps: input.schedule.modelTimesteps,
    cond,
    uncond: cond,
    guidanceScale: 1,
    separateCfg: true,
    mergeBlockLists: merge
  }
  if (hooks.warm) await warmUp(model, denoiseInput, cache, { ...hooks, call: model.call })
  const prepareMs = performance.now() - t0
  const stepCache = hooks.createStepCache(cache)
  stepCache.beginGeneration()
  const latent = await denoise(model, denoiseInput, {
    stepCache,
    beforeCall: hooks.beforeCall,
    onStep: hooks.onStep,
    call: model.call
  })
  return { latent, stepCache, prepareMs }
}

/** The VAE's input (unpacked latents / scaling_factor + shift_factor), its output and the image. */
export function fluxDecode(
  model: FluxModel,
  packed: Tensor,
  latent: { h: number; w: number },
  beforeCall: BeforeCall
): Promise<VaeDecoded> {
  const vae = model.configs.vae
  const unpacked = unpackLatents(packed, latent.h, latent.w)
  return vaeDecodeImage(model.vaeDecoder, unpacked, vae.scaling_factor, vae.shift_factor ?? 0, beforeCall)
}
