import type { CacheConfig } from '../../../../shared/cache-config'
import { EngineFailure } from '../../errors'
import type { Tensor } from '../../tensor'
import { concatBatch, filled } from '../batch'
import {
  assertPrediction,
  familyDenoise,
  pairCall,
  warmOneTransformer,
  type FamilyDenoise
} from '../family-loop'
import type { FlowMatchSchedule } from '../flow-match'
import { applyGuidance, usesCfg } from '../guidance'
import { eulerStep } from '../scheduler'
import type { Sd3Model } from './model'
import type { Sd3Text } from './text'

/**
 * StableDiffusion3Pipeline's denoising loop (its __call__, step 6): with CFG (guidance_scale > 1)
 * the latents twice on the batch axis, [uncond, cond] with the negative prompt's states and
 * pooled embeddings first, in ONE transformer call with the scheduler's timestep (0…1000, not
 * divided), noise = uncond + g·(cond − uncond), one FlowMatchEuler step x += (σ' − σ)·noise.
 * The step cache sees that batch as one call in the branch 'batched' (CacheDiT caches the CFG
 * batch as one forward); without CFG it is one call at batch 1 in branch 'cond'.
 * Text goes to the transformer as `text_hidden` and `text_pooled` (the engine's names).
 */

export interface Sd3DenoiseInput {
  cond: Sd3Text
  uncond: Sd3Text
  /** Initial latents [1, C, h, w]. */
  noise: Tensor
  schedule: FlowMatchSchedule
  guidanceScale: number
  cache: CacheConfig
}

/** The transformer's text inputs for a batch of prompts, in batch order. */
export function sd3TextInputs(texts: readonly Sd3Text[]): Record<string, Tensor> {
  return {
    text_hidden: concatBatch(texts.map((t) => t.states)),
    text_pooled: concatBatch(texts.map((t) => t.pooled))
  }
}

export const sd3Denoise: FamilyDenoise<Sd3Model, Sd3DenoiseInput> = async (model, input, hooks) => {
  const { cache, schedule } = input
  const cfg = usesCfg(input.guidanceScale)
  const transformer = model.transformer
  const dims = input.noise.dims
  return familyDenoise(model, [transformer], input, hooks, cfg ? 2 : 1, async () => {
    const text = sd3TextInputs(cfg ? [input.uncond, input.cond] : [input.cond])
    if (hooks.warm) await warmOneTransformer(model, input, text, cfg, cache, hooks)
    return async ({ i, t, sigma, x, latent, site, call }) => {
      let noise: Tensor
      if (cfg) {
        const [u, c] = await pairCall(call, transformer, latent, t, text, site('batched'))
        noise = applyGuidance(c, u, input.guidanceScale)
      } else {
        noise = await call(transformer, { latent, timestep: filled(t, 1), text }, site('cond'))
      }
      assertPrediction(noise, transformer, i, `timestep ${t}`)
      if (noise.data.length !== x.length)
        throw new EngineFailure(
          'model_invalid',
          `${transformer.manifest.name}: predicts [${noise.dims.join(', ')}] for latents [${dims.join(', ')}]`
        )
      eulerStep(x, noise.data, sigma, schedule.sigmas[i + 1])
      return { x, velocity: noise }
    }
  })
}
