import type { CacheConfig } from '../../../../shared/cache-config'
import { EngineFailure } from '../../errors'
import { tensor, type Tensor } from '../../tensor'
import { concatBatch, filled } from '../batch'
import {
  assertPrediction,
  familyDenoise,
  pairCall,
  warmOneTransformer,
  type FamilyDenoise
} from '../family-loop'
import { applyGuidance, usesCfg } from '../guidance'
import { DPMSolverStepper, type DPMSolverSchedule } from '../schedulers/dpm-solver'
import { learnedSigma, usesAdditionalConditions } from './configs'
import type { PixArtModel } from './model'
import type { PixArtText } from './text'

/**
 * PixArtSigmaPipeline's denoising loop (its __call__, step 7): per step the latents twice
 * ([uncond, cond] on the batch axis, the negative prompt's states and mask first) in one
 * transformer call with the integer timestep, noise = uncond + g·(cond − uncond), the first half
 * of the channels where the transformer also predicts a variance (learned sigma), one
 * DPM-Solver step. CFG is on for guidance_scale > 1.
 *
 * A static graph decides the batch: at batch 2 CFG is the one call diffusers makes; at batch 1
 * its branches are two calls (cond, then uncond, each in its own cache branch); a batch-2 graph
 * without CFG is called with the prompt twice and the first result kept. Text states go in as
 * `text_hidden`, the mask as `text_mask` (float 0/1; the graph call casts it to the graph's type),
 * resolution and aspect ratio (PixArt-α's micro-conditions) only where the transformer takes them.
 */

export interface PixArtDenoiseInput {
  cond: PixArtText
  uncond: PixArtText
  /** Initial latents [1, C, h, w]. */
  noise: Tensor
  schedule: DPMSolverSchedule
  guidanceScale: number
  width: number
  height: number
  cache: CacheConfig
}

type TextInputs = Record<string, Tensor>

/** The transformer's text inputs for a batch of prompts (each [1, L, D] with its mask). */
export function pixartTextInputs(
  model: PixArtModel,
  texts: readonly PixArtText[],
  width: number,
  height: number
): TextInputs {
  const out: TextInputs = {
    text_hidden: concatBatch(texts.map((t) => t.states)),
    text_mask: concatBatch(
      texts.map((t) =>
        tensor(
          Float32Array.from(t.mask, (v) => Number(v)),
          [1, t.mask.length]
        )
      )
    )
  }
  if (usesAdditionalConditions(model.configs.transformer)) {
    const B = texts.length
    out.resolution = tensor(
      new Float32Array(B * 2).map((_, i) => (i % 2 === 0 ? height : width)),
      [B, 2]
    )
    out.aspect_ratio = tensor(new Float32Array(B).fill(height / width), [B, 1])
  }
  return out
}

export const pixartDenoise: FamilyDenoise<PixArtModel, PixArtDenoiseInput> = async (model, input, hooks) => {
  const { cache, schedule } = input
  const cfg = usesCfg(input.guidanceScale)
  const fixedBatch = model.shape.fixedBatch
  const batched = fixedBatch === 2 || (fixedBatch === null && cfg)
  const transformer = model.transformer
  return familyDenoise(model, [transformer], input, hooks, batched ? 2 : 1, async () => {
    const { width, height } = input
    const pair = batched
      ? pixartTextInputs(model, cfg ? [input.uncond, input.cond] : [input.cond, input.cond], width, height)
      : null
    const single = (t: PixArtText) => pixartTextInputs(model, [t], width, height)
    if (hooks.warm) await warmOneTransformer(model, input, pair ?? single(input.cond), !!pair, cache, hooks)
    const stepper = new DPMSolverStepper(model.configs.scheduler, schedule)
    const channels = model.configs.transformer.in_channels
    const keepHalf = learnedSigma(model.configs.transformer)
    return async ({ i, t, x, latent, site, call }) => {
      let prediction: Tensor
      if (pair) {
        const [first, second] = await pairCall(
          call,
          transformer,
          latent,
          t,
          pair,
          site(cfg ? 'batched' : 'cond')
        )
        prediction = cfg ? applyGuidance(second, first, input.guidanceScale) : first
      } else {
        const timestep = filled(t, 1)
        prediction = await call(transformer, { latent, timestep, text: single(input.cond) }, site('cond'))
        if (cfg) {
          const u = await call(transformer, { latent, timestep, text: single(input.uncond) }, site('uncond'))
          prediction = applyGuidance(prediction, u, input.guidanceScale)
        }
      }
      assertPrediction(prediction, transformer, i, `timestep ${t}`)
      const eps = keepHalf ? firstChannels(prediction, channels) : prediction
      return { x: stepper.step(eps.data, x), velocity: eps }
    }
  })
}

/** noise_pred.chunk(2, dim=1)[0] of a [1, 2C, h, w] prediction: its first C channels. */
export function firstChannels(p: Tensor, channels: number): Tensor {
  const [B, C2, ...rest] = p.dims
  if (B !== 1 || C2 !== 2 * channels)
    throw new EngineFailure(
      'model_invalid',
      `the transformer's output is [${p.dims.join(', ')}]; a learned-sigma PixArt gives [1, ${2 * channels}, h, w]`
    )
  const plane = rest.reduce((a, b) => a * b, 1)
  return tensor(p.data.slice(0, channels * plane), [1, channels, ...rest])
}
