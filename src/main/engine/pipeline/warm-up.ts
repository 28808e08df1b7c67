import type { CacheConfig } from '../../../shared/cache-config'
import type { CreateStepCache } from '../cache/seam'
import type { BeforeCall } from '../model/block-program'
import type { LoadedTransformer } from '../model/loaded-model'
import type { Tensor } from '../tensor'
import { concatBatch, filled } from './batch'
import { batchTexts, type DenoiseInput, type DenoiseModel } from './denoise'
import { needsUncond } from './guidance'
import { callTransformer, type TransformerCall } from './transformer-call'

/**
 * Session preparation's last part: every session the denoising loop will use runs once before
 * step 0. An ONNX Runtime session's first run is not a steady-state run (it plans and allocates
 * its memory, a GPU provider picks its kernels), and a step that paid for it would make a cached
 * run look slower than it is. The timed steps then run on warm sessions only, as the user's
 * next generation with the same settings would; the cost goes to `timings.prepareMs`.
 *
 * Two throwaway calls per transformer, through a cache of their own: one that computes every
 * block (first, middle and last segments) and, with the cache on, one that caches (the path that
 * runs the final graph on its own). Outputs and traces are dropped; the generation's cache starts
 * fresh afterwards.
 */

interface WarmUpHooks {
  createStepCache: CreateStepCache
  beforeCall: BeforeCall
  call?: TransformerCall
}

/** The sessions a transformer's calls use: which segments, at which batch size, through which call. */
const warmed = new WeakMap<TransformerCall, WeakMap<LoadedTransformer, Set<string>>>()

export async function warmUp(
  model: DenoiseModel,
  input: DenoiseInput,
  config: CacheConfig,
  hooks: WarmUpHooks
): Promise<void> {
  const call = hooks.call ?? callTransformer
  let byTransformer = warmed.get(call)
  if (!byTransformer) {
    byTransformer = new WeakMap()
    warmed.set(call, byTransformer)
  }
  const batched = !input.separateCfg && needsUncond(input.guidanceScale)
  const key = JSON.stringify({
    enabled: config.enabled,
    Fn: config.Fn,
    Bn: config.Bn,
    merge: input.mergeBlockLists,
    batch: batched ? 2 : 1
  })
  const latent: Tensor = batched ? concatBatch([input.noise, input.noise]) : input.noise
  const text = batched ? batchTexts(input.cond, input.uncond) : input.cond
  const steps = input.sigmas.length - 1
  for (let i = 0; i < steps; i++) {
    const sigma = input.sigmas[i]
    const t = model.transformerFor(sigma)
    const done = byTransformer.get(t) ?? new Set<string>()
    if (done.has(key)) continue
    const cache = hooks.createStepCache(cachingConfig(config))
    cache.beginGeneration()
    const calls = config.enabled ? 2 : 1
    for (let c = 0; c < calls; c++) {
      await call(
        t,
        { latent, timestep: filled(input.timesteps?.[i] ?? sigma, latent.dims[0]), text },
        {
          stepCache: cache,
          step: i + c,
          sigma,
          branch: batched ? 'batched' : 'cond',
          mergeBlockLists: input.mergeBlockLists,
          beforeCall: hooks.beforeCall
        }
      )
    }
    // Only a warm-up that ran to the end counts: a cancelled one is done again next time.
    done.add(key)
    byTransformer.set(t, done)
  }
}

/** The same segments, with every gate open: the first call computes, the second caches. */
function cachingConfig(c: CacheConfig): CacheConfig {
  return {
    ...c,
    residualDiffThreshold: Number.MAX_VALUE,
    maxAccumulatedResidualDiffThreshold: null,
    maxWarmupSteps: 0,
    warmupInterval: 1,
    maxCachedSteps: -1,
    maxContinuousCachedSteps: -1,
    stepsComputationMask: null,
    forceRefreshStepHint: null
  }
}
