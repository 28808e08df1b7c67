import type { CacheConfig } from '../../../shared/cache-config'
import type { ConcreteProvider } from '../../../shared/providers'
import type { Branch } from '../../../shared/trace'
import { assertFinite } from '../cache/non-finite'
import type { CreateStepCache, StepCache } from '../cache/seam'
import { EngineFailure } from '../errors'
import type { BeforeCall } from '../model/block-program'
import type { LoadedTransformer } from '../model/loaded-model'
import { tensor, type Tensor } from '../tensor'
import { concatBatch, filled, splitBatch } from './batch'
import type { DenoiseInput, StepReport } from './denoise'
import { prepareBlockList } from './prepare-segments'
import type { TextEmbedding } from './text-encoder'
import { callTransformer, type CallSite, type TransformerCall } from './transformer-call'
import { warmUp } from './warm-up'

/**
 * The parts every family's own denoising loop (SD3, PixArt, Qwen-Image, Wan, FLUX's preparation)
 * has in common: the refusal to cache a whole graph, the segments compiled before step 0, the
 * warm-up of a one-transformer model, the call site of a step's branch, CFG's batched call and
 * the step's report. Each loop keeps what is its pipeline's own (inputs, guidance, scheduler).
 */

/**
 * What a one-transformer family's model (SD3, PixArt, Qwen-Image) has in common: its name and
 * provider, the transformer its loop calls, and how it is released.
 */
export interface OneTransformerModel {
  readonly id: string
  readonly name: string
  readonly provider: ConcreteProvider
  readonly transformer: LoadedTransformer
  /** [transformer]: the family registry's view of the model's transformers (pipeline/families.ts). */
  readonly transformers: readonly LoadedTransformer[]
  /** Replaces callTransformer where the transformer is one whole graph (no cache then). */
  readonly call?: TransformerCall
  readonly cacheable: boolean
  release(): Promise<void>
}

export interface FamilyDenoiseHooks {
  createStepCache: CreateStepCache
  beforeCall: BeforeCall
  onStep?: (r: StepReport) => void | Promise<void>
  /** Run every session once before step 0 (generate does; replay needs no timings). */
  warm?: boolean
}

export interface FamilyDenoised {
  latent: Tensor
  stepCache: StepCache
  prepareMs: number
}

/** A family's denoising loop: from its model and the loop's inputs to the final latent. */
export type FamilyDenoise<Model, Input> = (
  model: Model,
  input: Input,
  hooks: FamilyDenoiseHooks
) => Promise<FamilyDenoised>

/** A transformer loaded as one whole graph has no blocks to skip. */
export function refuseUncacheable(model: { name: string; cacheable: boolean }, cache: CacheConfig): void {
  if (cache.enabled && !model.cacheable)
    throw new EngineFailure(
      'bad_request',
      `${model.name}: its transformer is one whole graph, which cannot be cached (import the folder first)`
    )
}

/**
 * Compiles the segments the cache will ask for, before step 0: [0, N) without it, else the first
 * Fn, the middle and the last Bn blocks, at the batch the loop calls with.
 */
export async function prepareSegments(
  t: LoadedTransformer,
  cache: CacheConfig,
  merge: boolean,
  batch: number,
  beforeCall: BeforeCall
): Promise<void> {
  for (const program of t.contexts(merge))
    await prepareBlockList(t.manifest.name, program, cache, [batch], beforeCall, 'cache')
}

/**
 * Runs a one-transformer model's sessions once (warm-up.ts) with the text the loop will pass,
 * at batch 2 (CFG's batch, or a batch-2 graph) or 1, one call per step as the loop makes them.
 */
export async function warmOneTransformer(
  model: Pick<OneTransformerModel, 'transformer' | 'call'>,
  input: { noise: Tensor; schedule: { sigmas: readonly number[]; timesteps: readonly number[] } },
  text: TextEmbedding,
  batch2: boolean,
  cache: CacheConfig,
  hooks: FamilyDenoiseHooks
): Promise<void> {
  const warmInput: DenoiseInput = {
    noise: batch2 ? concatBatch([input.noise, input.noise]) : input.noise,
    sigmas: input.schedule.sigmas,
    timesteps: input.schedule.timesteps,
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

/** The call site of step `step`'s call in a branch (one block list per context). */
export function stepSite(
  stepCache: StepCache,
  step: number,
  sigma: number,
  beforeCall: BeforeCall
): (branch: Branch) => CallSite {
  return (branch) => ({ stepCache, step, sigma, branch, mergeBlockLists: false, beforeCall })
}

/**
 * One call at batch 2: the latent twice with the text's two rows (CFG's [uncond, cond], or a
 * batch-2 graph's prompt twice), the prediction split back into its two rows in that order.
 */
export async function pairCall(
  call: TransformerCall,
  transformer: LoadedTransformer,
  latent: Tensor,
  t: number,
  text: TextEmbedding,
  site: CallSite
): Promise<[Tensor, Tensor]> {
  const both = await call(
    transformer,
    { latent: concatBatch([latent, latent]), timestep: filled(t, 2), text },
    site
  )
  const [first, second] = splitBatch(both, 2)
  return [first, second]
}

/** The report of a finished step: x is the next sample (copied), v the prediction that made it. */
export function stepReport(
  stepCache: StepCache,
  s: { step: number; totalSteps: number; start: number; sigma: number },
  x: Float32Array,
  dims: readonly number[],
  velocity: Tensor
): StepReport {
  return {
    step: s.step,
    totalSteps: s.totalSteps,
    stepMs: performance.now() - s.start,
    traces: stepCache.drainTraces(),
    latent: tensor(Float32Array.from(x), dims),
    velocity,
    sigma: s.sigma
  }
}

/**
 * What a family's step sees: its index, timestep and sigma, the sample x (as a tensor too), its
 * call site and the transformer call (the model's own where it has one, else callTransformer).
 */
export interface FamilyStep {
  i: number
  /** The schedule's timestep of step i (the scheduler's; a family may call with another scale). */
  t: number
  sigma: number
  x: Float32Array
  latent: Tensor
  site: (branch: Branch) => CallSite
  call: TransformerCall
}

/** A family's step: its calls, guidance and scheduler update; the next sample and the prediction that made it. */
export type FamilyStepFn = (s: FamilyStep) => Promise<{ x: Float32Array; velocity: Tensor }>

/**
 * The denoising loop's frame, the same in every family: a fresh step cache, then per step the
 * cancellation check, the family's own step and the step's report. `schedule.sigmas[i]` and
 * `schedule.timesteps[i]` are step i's; there are as many steps as timesteps.
 */
export async function familyLoop(
  noise: Tensor,
  schedule: { sigmas: readonly number[]; timesteps: readonly number[] },
  cache: CacheConfig,
  hooks: FamilyDenoiseHooks,
  step: FamilyStepFn,
  call: TransformerCall = callTransformer
): Promise<{ latent: Tensor; stepCache: StepCache }> {
  const stepCache = hooks.createStepCache(cache)
  stepCache.beginGeneration()
  const dims = noise.dims
  const steps = schedule.timesteps.length
  let x: Float32Array = Float32Array.from(noise.data)
  for (let i = 0; i < steps; i++) {
    hooks.beforeCall()
    const start = performance.now()
    const sigma = schedule.sigmas[i]
    const t = schedule.timesteps[i]
    const latent = tensor(x, dims)
    const site = stepSite(stepCache, i, sigma, hooks.beforeCall)
    const next = await step({ i, t, sigma, x, latent, site, call })
    x = next.x
    await hooks.onStep?.(
      stepReport(stepCache, { step: i, totalSteps: steps, start, sigma }, x, dims, next.velocity)
    )
  }
  return { latent: tensor(x, dims), stepCache }
}

/**
 * A family's whole denoising run (SD3, PixArt, Qwen-Image, Wan): the refusal to cache a whole
 * graph, then, timed as prepareMs, the segments of each transformer it will call compiled at
 * `batch` and the family's `setup` (its text inputs and warm-up, which gives the step), then the
 * loop. Block lists are never merged here (FLUX's merged lists go through denoise.ts).
 */
export async function familyDenoise(
  model: Pick<OneTransformerModel, 'name' | 'cacheable' | 'call'>,
  transformers: Iterable<LoadedTransformer>,
  input: {
    noise: Tensor
    schedule: { sigmas: readonly number[]; timesteps: readonly number[] }
    cache: CacheConfig
  },
  hooks: FamilyDenoiseHooks,
  batch: number,
  setup: () => FamilyStepFn | Promise<FamilyStepFn>
): Promise<FamilyDenoised> {
  const { cache } = input
  refuseUncacheable(model, cache)
  const t0 = performance.now()
  for (const t of transformers) await prepareSegments(t, cache, false, batch, hooks.beforeCall)
  const step = await setup()
  const prepareMs = performance.now() - t0
  const loop = await familyLoop(input.noise, input.schedule, cache, hooks, step, model.call)
  return { ...loop, prepareMs }
}

/** A prediction's check for NaN/Inf, naming the transformer and the step (`at` e.g. "timestep 981"). */
export function assertPrediction(p: Tensor, transformer: LoadedTransformer, i: number, at: string): void {
  assertFinite(p, `the prediction of ${transformer.manifest.name} at step ${i} (${at})`)
}
