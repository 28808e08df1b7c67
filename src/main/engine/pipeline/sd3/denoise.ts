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
import type { FlowMatchSchedule } from '../flow-match'
import { applyGuidance } from '../guidance'
import { eulerStep } from '../scheduler'
import { callTransformer } from '../transformer-call'
import { warmUp } from '../warm-up'
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

export interface Sd3DenoiseHooks {
  createStepCache: CreateStepCache
  beforeCall: BeforeCall
  onStep?: (r: StepReport) => void | Promise<void>
  /** Run every session once before step 0 (generate does; replay needs no timings). */
  warm?: boolean
}

export interface Sd3Denoised {
  latent: Tensor
  stepCache: StepCache
  prepareMs: number
}

/** do_classifier_free_guidance: guidance_scale > 1. */
export function sd3UsesCfg(guidanceScale: number): boolean {
  return guidanceScale > 1
}

/** The transformer's text inputs for a batch of prompts, in batch order. */
export function sd3TextInputs(texts: readonly Sd3Text[]): Record<string, Tensor> {
  return {
    text_hidden: concatBatch(texts.map((t) => t.states)),
    text_pooled: concatBatch(texts.map((t) => t.pooled))
  }
}

export async function sd3Denoise(
  model: Sd3Model,
  input: Sd3DenoiseInput,
  hooks: Sd3DenoiseHooks
): Promise<Sd3Denoised> {
  const { cache, schedule } = input
  if (cache.enabled && !model.cacheable)
    throw new EngineFailure(
      'bad_request',
      `${model.name}: its transformer is one whole graph, which cannot be cached (import the folder first)`
    )
  const call = model.call ?? callTransformer
  const cfg = sd3UsesCfg(input.guidanceScale)
  const batch = cfg ? 2 : 1
  const t0 = performance.now()
  await prepare(model.transformer, cache, batch, hooks.beforeCall)
  const text = sd3TextInputs(cfg ? [input.uncond, input.cond] : [input.cond])
  if (hooks.warm) {
    const warmInput: DenoiseInput = {
      noise: cfg ? concatBatch([input.noise, input.noise]) : input.noise,
      sigmas: schedule.sigmas,
      timesteps: schedule.timesteps,
      cond: text,
      uncond: text,
      guidanceScale: 1,
      separateCfg: true,
      mergeBlockLists: false
    }
    await warmUp({ transformerFor: () => model.transformer }, warmInput, cache, {
      ...hooks,
      call: model.call
    })
  }
  const prepareMs = performance.now() - t0

  const stepCache = hooks.createStepCache(cache)
  stepCache.beginGeneration()
  const dims = input.noise.dims
  const x = Float32Array.from(input.noise.data)
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
    let noise: Tensor
    if (cfg) {
      const both = await call(
        transformer,
        { latent: concatBatch([latent, latent]), timestep: filled(t, 2), text },
        site('batched')
      )
      const [u, c] = splitBatch(both, 2)
      noise = applyGuidance(c, u, input.guidanceScale)
    } else {
      noise = await call(transformer, { latent, timestep: filled(t, 1), text }, site('cond'))
    }
    assertFinite(noise, `the prediction of ${transformer.manifest.name} at step ${i} (timestep ${t})`)
    if (noise.data.length !== x.length)
      throw new EngineFailure(
        'model_invalid',
        `${transformer.manifest.name}: predicts [${noise.dims.join(', ')}] for latents [${dims.join(', ')}]`
      )
    eulerStep(x, noise.data, sigma, schedule.sigmas[i + 1])
    await hooks.onStep?.({
      step: i,
      totalSteps: steps,
      stepMs: performance.now() - start,
      traces: stepCache.drainTraces(),
      latent: tensor(Float32Array.from(x), dims),
      velocity: noise,
      sigma
    })
  }
  return { latent: tensor(x, dims), stepCache, prepareMs }
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
