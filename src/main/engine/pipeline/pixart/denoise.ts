import { checkBlockBudget, type CacheConfig } from '../../../../shared/cache-config'
import type { Branch } from '../../../../shared/trace'
import { assertFinite } from '../../cache/non-finite'
import type { CreateStepCache, StepCache } from '../../cache/seam'
import { EngineFailure } from '../../errors'
import type { BeforeCall } from '../../model/block-program'
import type { LoadedTransformer } from '../../model/loaded-model'
import { tensor, type Tensor } from '../../tensor'
import { concatBatch, filled, splitBatch } from '../batch'
import type { DenoiseInput, StepReport } from '../denoise'
import { applyGuidance } from '../guidance'
import { DPMSolverStepper, type DPMSolverSchedule } from '../schedulers/dpm-solver'
import { callTransformer } from '../transformer-call'
import { warmUp } from '../warm-up'
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

export interface PixArtDenoiseHooks {
  createStepCache: CreateStepCache
  beforeCall: BeforeCall
  onStep?: (r: StepReport) => void | Promise<void>
  /** Run every session once before step 0 (generate does; replay needs no timings). */
  warm?: boolean
}

export interface PixArtDenoised {
  latent: Tensor
  stepCache: StepCache
  prepareMs: number
}

/** do_classifier_free_guidance: guidance_scale > 1. */
export function pixartUsesCfg(guidanceScale: number): boolean {
  return guidanceScale > 1
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

export async function pixartDenoise(
  model: PixArtModel,
  input: PixArtDenoiseInput,
  hooks: PixArtDenoiseHooks
): Promise<PixArtDenoised> {
  const { cache, schedule } = input
  if (cache.enabled && !model.cacheable)
    throw new EngineFailure(
      'bad_request',
      `${model.name}: its transformer is one whole graph, which cannot be cached (import the folder first)`
    )
  const call = model.call ?? callTransformer
  const cfg = pixartUsesCfg(input.guidanceScale)
  const fixedBatch = model.shape.fixedBatch
  const batched = fixedBatch === 2 || (fixedBatch === null && cfg)
  const t0 = performance.now()
  await prepare(model.transformer, cache, batched ? 2 : 1, hooks.beforeCall)
  const { width, height } = input
  const pair = batched
    ? pixartTextInputs(model, cfg ? [input.uncond, input.cond] : [input.cond, input.cond], width, height)
    : null
  const single = (t: PixArtText) => pixartTextInputs(model, [t], width, height)
  if (hooks.warm) {
    const warmInput: DenoiseInput = {
      noise: input.noise,
      sigmas: schedule.sigmas,
      timesteps: schedule.timesteps,
      cond: pair ?? single(input.cond),
      uncond: pair ?? single(input.uncond),
      guidanceScale: 1,
      separateCfg: true,
      mergeBlockLists: false
    }
    if (pair) warmInput.noise = concatBatch([input.noise, input.noise])
    await warmUp({ transformerFor: () => model.transformer }, warmInput, cache, {
      ...hooks,
      call: model.call
    })
  }
  const prepareMs = performance.now() - t0

  const stepCache = hooks.createStepCache(cache)
  stepCache.beginGeneration()
  const stepper = new DPMSolverStepper(model.configs.scheduler, schedule)
  const dims = input.noise.dims
  const channels = model.configs.transformer.in_channels
  const keepHalf = learnedSigma(model.configs.transformer)
  let x = Float32Array.from(input.noise.data)
  const steps = schedule.timesteps.length
  const transformer = model.transformer
  for (let i = 0; i < steps; i++) {
    hooks.beforeCall()
    const start = performance.now()
    const t = schedule.timesteps[i]
    const sigma = schedule.sigmas[i]
    const latent = tensor(x, dims)
    const site = (branch: Branch) => ({
      stepCache,
      step: i,
      sigma,
      branch,
      mergeBlockLists: false,
      beforeCall: hooks.beforeCall
    })
    let prediction: Tensor
    if (pair) {
      const both = await call(
        transformer,
        { latent: concatBatch([latent, latent]), timestep: filled(t, 2), text: pair },
        site(cfg ? 'batched' : 'cond')
      )
      const [first, second] = splitBatch(both, 2)
      prediction = cfg ? applyGuidance(second, first, input.guidanceScale) : first
    } else {
      const timestep = filled(t, 1)
      prediction = await call(transformer, { latent, timestep, text: single(input.cond) }, site('cond'))
      if (cfg) {
        const u = await call(transformer, { latent, timestep, text: single(input.uncond) }, site('uncond'))
        prediction = applyGuidance(prediction, u, input.guidanceScale)
      }
    }
    assertFinite(prediction, `the prediction of ${transformer.manifest.name} at step ${i} (timestep ${t})`)
    const eps = keepHalf ? firstChannels(prediction, channels) : prediction
    x = stepper.step(eps.data, x)
    await hooks.onStep?.({
      step: i,
      totalSteps: steps,
      stepMs: performance.now() - start,
      traces: stepCache.drainTraces(),
      latent: tensor(Float32Array.from(x), dims),
      velocity: eps,
      sigma
    })
  }
  return { latent: tensor(x, dims), stepCache, prepareMs }
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

/** Compiles the segments the cache will ask for, before step 0. */
async function prepare(
  t: LoadedTransformer,
  cache: CacheConfig,
  batch: number,
  beforeCall: BeforeCall
): Promise<void> {
  for (const program of t.contexts(false)) {
    const problem = checkBlockBudget(cache, program.blockCount, `${t.manifest.name}/${program.name}`)
    if (problem) throw new EngineFailure('bad_request', `cache: ${problem}`)
    beforeCall()
    const n = program.blockCount
    await program.prepare(
      cache.enabled
        ? [
            [0, cache.Fn],
            [cache.Fn, n - cache.Bn],
            [n - cache.Bn, n]
          ]
        : [[0, n]],
      batch
    )
  }
}
