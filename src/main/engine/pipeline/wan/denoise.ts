import type { CacheConfig } from '../../../../shared/cache-config'
import type { LoadedTransformer } from '../../model/loaded-model'
import type { Tensor } from '../../tensor'
import { filled } from '../batch'
import type { DenoiseInput } from '../denoise'
import { assertPrediction, familyDenoise, type FamilyDenoise } from '../family-loop'
import { applyGuidance, usesCfg } from '../guidance'
import { UniPCStepper, type UniPCSchedule } from '../schedulers/unipc'
import { warmUp } from '../warm-up'
import type { WanModel } from './model'

/**
 * WanPipeline's denoising loop (pipeline_wan.py, step 6): per step the expert of its timestep
 * (Wan 2.2: `transformer` while t ≥ boundary_ratio · num_train_timesteps, then `transformer_2`,
 * each with its guidance scale), a cond call with the prompt's states and, when CFG is on
 * (guidance_scale > 1), an uncond call with the negative prompt's, each in its own cache branch
 * as diffusers' `cache_context("cond")` / `("uncond")`; noise = uncond + g·(cond − uncond); one
 * UniPC step. The transformer is called with the integer timestep, as diffusers passes it.
 *
 * The step cache keeps state per (transformer, block list, branch) and counts its own steps per
 * transformer: the second expert's first step is its step 0, with its own warmup, as CacheDiT's
 * separate cache context per transformer does.
 */

export interface WanDenoiseInput {
  /** Prompt states [1, L, text_dim] (zeros past the prompt's length). */
  cond: Tensor
  /** Negative prompt states; used only when CFG is on. */
  uncond: Tensor
  /** Initial noise [1, C, F, h, w]. */
  noise: Tensor
  schedule: UniPCSchedule
  guidanceScale: number
  /** The low-noise expert's guidance (Wan 2.2); the first scale where null. */
  guidanceScale2: number | null
  cache: CacheConfig
}

/** The expert and guidance of a step's integer timestep. */
export function wanExpert(
  model: Pick<WanModel, 'boundaryRatio' | 'transformers' | 'configs'>,
  timestep: number,
  guidanceScale: number,
  guidanceScale2: number | null
): { transformer: LoadedTransformer; guidance: number } {
  const [high, low] = model.transformers
  if (model.boundaryRatio === null || !low) return { transformer: high, guidance: guidanceScale }
  const boundary = model.boundaryRatio * model.configs.scheduler.num_train_timesteps
  return timestep >= boundary
    ? { transformer: high, guidance: guidanceScale }
    : { transformer: low, guidance: guidanceScale2 ?? guidanceScale }
}

export const wanDenoise: FamilyDenoise<WanModel, WanDenoiseInput> = async (model, input, hooks) => {
  const { cache, schedule } = input
  const cfg = usesCfg(input.guidanceScale)
  const used = new Set(schedule.timesteps.map((t) => wanExpert(model, t, 1, null).transformer))
  const text = (states: Tensor) => ({ text_hidden: states })
  return familyDenoise(model, used, input, hooks, 1, async () => {
    if (hooks.warm) {
      // The shared warm-up walks sigmas: each step's sigma names its expert here.
      const bySigma = new Map(schedule.timesteps.map((t, i) => [schedule.sigmas[i], t]))
      const warmInput: DenoiseInput = {
        noise: input.noise,
        sigmas: schedule.sigmas,
        timesteps: schedule.timesteps,
        cond: text(input.cond),
        uncond: text(input.uncond),
        guidanceScale: input.guidanceScale,
        separateCfg: true,
        mergeBlockLists: false
      }
      const expertOf = (sigma: number) => wanExpert(model, bySigma.get(sigma) ?? 0, 1, null).transformer
      await warmUp({ transformerFor: expertOf }, warmInput, cache, { ...hooks, call: model.call })
    }
    const stepper = new UniPCStepper(model.configs.scheduler, schedule)
    return async ({ i, t, latent, x, site, call }) => {
      const { transformer, guidance } = wanExpert(model, t, input.guidanceScale, input.guidanceScale2)
      const timestep = filled(t, 1)
      let v = await call(transformer, { latent, timestep, text: text(input.cond) }, site('cond'))
      if (cfg) {
        const vu = await call(transformer, { latent, timestep, text: text(input.uncond) }, site('uncond'))
        v = applyGuidance(v, vu, guidance)
      }
      assertPrediction(v, transformer, i, `timestep ${t}`)
      return { x: stepper.step(v.data, x), velocity: v }
    }
  })
}
