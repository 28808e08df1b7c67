import type { CacheConfig } from '../../../../shared/cache-config'
import { EngineFailure } from '../../errors'
import { tensor, type Tensor } from '../../tensor'
import { filled } from '../batch'
import { assertPrediction, familyDenoise, type FamilyDenoise } from '../family-loop'
import type { FlowMatchSchedule } from '../flow-match'
import { eulerStep } from '../scheduler'
import type { QwenPromptEmbeds } from './embeds'
import type { QwenImageModel } from './model'

/**
 * QwenImagePipeline's denoising loop (its __call__): per step the packed latents with the prompt
 * embeddings and their mask, timestep t / 1000; with negative embeddings and true_cfg_scale > 1 a
 * second call (its own cache branch), comb = neg + s·(cond − neg) rescaled to the conditional
 * prediction's norm over the channel axis; one FlowMatchEuler step. Text goes to the transformer
 * as `text_hidden` and `text_mask` (float 0/1; the graph call casts it to the graph's int64),
 * padded with masked zeros to a static graph's text length.
 */

export interface QwenDenoiseInput {
  cond: QwenPromptEmbeds
  uncond: QwenPromptEmbeds | null
  /** Packed initial latents [1, tokens, channels]. */
  noise: Tensor
  schedule: FlowMatchSchedule
  trueCfgScale: number
  cache: CacheConfig
}

/** do_true_cfg: true_cfg_scale > 1 and negative embeddings given. */
export function qwenUsesTrueCfg(scale: number, uncond: QwenPromptEmbeds | null): boolean {
  return scale > 1 && uncond !== null
}

/** The transformer's text inputs: states and mask, padded (mask 0) to the graph's fixed length. */
export function qwenTextInputs(model: QwenImageModel, e: QwenPromptEmbeds): Record<string, Tensor> {
  const [, S, D] = e.states.dims
  const L = model.shape.fixedTextLength ?? S
  if (S > L)
    throw new EngineFailure(
      'bad_request',
      `the prompt embeddings have ${S} tokens; ${model.name}'s transformer graph was exported for ${L}`
    )
  const states = new Float32Array(L * D)
  states.set(e.states.data)
  const mask = new Float32Array(L)
  for (let i = 0; i < S; i++) mask[i] = Number(e.mask[i])
  return { text_hidden: tensor(states, [1, L, D]), text_mask: tensor(mask, [1, L]) }
}

/** comb_pred · (‖cond‖ / ‖comb_pred‖) over the last axis, comb_pred = neg + s·(cond − neg). */
export function trueCfg(cond: Tensor, neg: Tensor, scale: number): Tensor {
  const C = cond.dims[cond.dims.length - 1]
  const s = Math.fround(scale)
  const out = new Float32Array(cond.data.length)
  for (let r = 0; r < out.length; r += C) {
    let cn = 0
    let pn = 0
    for (let i = r; i < r + C; i++) {
      const comb = Math.fround(neg.data[i] + Math.fround(s * Math.fround(cond.data[i] - neg.data[i])))
      out[i] = comb
      cn += cond.data[i] * cond.data[i]
      pn += comb * comb
    }
    const ratio = Math.fround(Math.fround(Math.sqrt(cn)) / Math.fround(Math.sqrt(pn)))
    for (let i = r; i < r + C; i++) out[i] = Math.fround(out[i] * ratio)
  }
  return tensor(out, cond.dims)
}

export const qwenDenoise: FamilyDenoise<QwenImageModel, QwenDenoiseInput> = async (model, input, hooks) => {
  const { schedule } = input
  const { imageTokens, channels } = model.shape
  if (input.noise.dims.join() !== [1, imageTokens, channels].join())
    throw new EngineFailure(
      'bad_request',
      `latents [${input.noise.dims.join(', ')}]; ${model.name}'s transformer takes [1, ${imageTokens}, ${channels}]`
    )
  const cfg = qwenUsesTrueCfg(input.trueCfgScale, input.uncond)
  const transformer = model.transformer
  return familyDenoise(model, [transformer], input, hooks, 1, () => {
    const condText = qwenTextInputs(model, input.cond)
    const uncondText = cfg && input.uncond ? qwenTextInputs(model, input.uncond) : null
    return async ({ i, sigma, x, latent, site, call }) => {
      const timestep = filled(schedule.modelTimesteps[i], 1)
      let noise = await call(transformer, { latent, timestep, text: condText }, site('cond'))
      if (uncondText) {
        const neg = await call(transformer, { latent, timestep, text: uncondText }, site('uncond'))
        noise = trueCfg(noise, neg, input.trueCfgScale)
      }
      assertPrediction(noise, transformer, i, `sigma ${sigma}`)
      eulerStep(x, noise.data, sigma, schedule.sigmas[i + 1])
      return { x, velocity: noise }
    }
  })
}
