import type { Branch, StepTrace } from '../../../shared/trace'
import { DBCache } from '../cache/dbcache'
import { assertFinite } from '../cache/non-finite'
import type { StepCache } from '../cache/seam'
import type { BeforeCall } from '../model/block-program'
import { CfgPairer, type PairedBranch } from '../model/cfg-pairing'
import type { LoadedTransformer } from '../model/loaded-model'
import { tensor, type Tensor } from '../tensor'
import { concatBatch, filled, splitBatch } from './batch'
import { applyGuidance, needsUncond } from './guidance'
import { eulerStep } from './scheduler'
import type { TextEmbedding } from './text-encoder'
import { callTransformer, type TransformerCall } from './transformer-call'

/** The denoising loop: one Euler step per sigma, CFG as two calls or one batched call. */

/** What the loop needs of a model: the expert of each sigma (a LoadedModel, a FLUX import). */
export interface DenoiseModel {
  transformerFor(sigma: number): LoadedTransformer
}

export interface DenoiseInput {
  noise: Tensor
  sigmas: readonly number[]
  /**
   * The transformer's timestep input of each step where it is not the sigma itself (FLUX: the
   * scheduler's float32 timestep / 1000, which can differ from the sigma in its last digit).
   */
  timesteps?: readonly number[]
  cond: TextEmbedding
  uncond: TextEmbedding
  guidanceScale: number
  separateCfg: boolean
  mergeBlockLists: boolean
}

export interface StepReport {
  step: number
  totalSteps: number
  stepMs: number
  traces: StepTrace[]
  /** The latent after this step and the velocity that produced it (for previews). */
  latent: Tensor
  velocity: Tensor
  sigma: number
}

export interface DenoiseHooks {
  stepCache: StepCache
  beforeCall: BeforeCall
  onStep?: (report: StepReport) => void | Promise<void>
  /** Replaces the transformer call (the benchmark runs the whole transformer as one graph). */
  call?: TransformerCall
  /**
   * Run CFG's two calls concurrently, uncond on session lane 1 (docs/engine.md, "CFG
   * parallelism"). Default: when the transformer's programs have two lanes, the call is the
   * engine's own and the cache keeps the branches independent (`branchesIndependent`).
   */
  parallelCfg?: boolean
}

/**
 * Whether a step cache's decisions for one branch never read the other's state, so that the two
 * calls of a step may run in any interleaving with the same decisions and numbers. DBCache's
 * branches meet in two places (docs/cache-algorithm.md): uncond reusing cond's distance
 * (cfgDiffComputeSeparate off) and the force-refresh count over both branches' calls. Another
 * cache: not known, so no.
 */
export function branchesIndependent(cache: StepCache): boolean {
  if (!(cache instanceof DBCache)) return false
  const c = cache.config
  return !c.enabled || (c.cfgDiffComputeSeparate && c.forceRefreshStepHint === null)
}

function canRunParallel(t: LoadedTransformer, input: DenoiseInput, hooks: DenoiseHooks): boolean {
  const lanes = t.contexts(input.mergeBlockLists).every((p) => p.lanes === 2)
  if (!lanes) return false
  return hooks.parallelCfg ?? (hooks.call === undefined && branchesIndependent(hooks.stepCache))
}

function canRunPaired(t: LoadedTransformer, input: DenoiseInput, hooks: DenoiseHooks): boolean {
  if (!t.contexts(input.mergeBlockLists).every((p) => p.pairsCfg)) return false
  return hooks.call === undefined && branchesIndependent(hooks.stepCache)
}

/** Both calls' results once both are over (a failed one first), so neither runs on after the step. */
async function both<T>(a: Promise<T>, b: Promise<T>): Promise<[T, T]> {
  const [x, y] = await Promise.allSettled([a, b])
  if (x.status === 'rejected') throw x.reason
  if (y.status === 'rejected') throw y.reason
  return [x.value, y.value]
}

const BRANCH_ORDER: Readonly<Record<Branch, number>> = { cond: 0, uncond: 1, batched: 2 }

/** A step's traces in the sequential run's order (cond's before uncond's), whichever finished first. */
function inCallOrder(traces: StepTrace[]): StepTrace[] {
  return traces
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.step - b.t.step || BRANCH_ORDER[a.t.branch] - BRANCH_ORDER[b.t.branch] || a.i - b.i)
    .map((x) => x.t)
}

export async function denoise(
  model: DenoiseModel,
  input: DenoiseInput,
  hooks: DenoiseHooks
): Promise<Tensor> {
  const { sigmas, guidanceScale: g } = input
  const steps = sigmas.length - 1
  const x = Float32Array.from(input.noise.data)
  const dims = input.noise.dims
  const batch = dims[0]
  const batchedText = input.separateCfg ? null : batchTexts(input.cond, input.uncond)
  const call = hooks.call ?? callTransformer

  for (let i = 0; i < steps; i++) {
    // 1. Interrupt: a cancel between steps stops here, within a call it stops in beforeCall.
    hooks.beforeCall()
    const t0 = performance.now()
    const sigma = sigmas[i]
    const t = input.timesteps?.[i] ?? sigma
    const transformer = model.transformerFor(sigma)
    const latent = tensor(x, dims)
    const site = (branch: Branch) => ({
      stepCache: hooks.stepCache,
      step: i,
      sigma,
      branch,
      mergeBlockLists: input.mergeBlockLists,
      beforeCall: hooks.beforeCall
    })

    // 2. Model call(s) in named cache contexts: the branch tells the cache whose state to use.
    let v: Tensor
    if (!needsUncond(g)) {
      v = await call(transformer, { latent, timestep: filled(t, batch), text: input.cond }, site('cond'))
    } else if (batchedText === null && canRunPaired(transformer, input, hooks)) {
      // Both branches at once on this thread; the pairer runs the ranges they share at batch 2.
      const pairer = new CfgPairer()
      const branch = (b: PairedBranch, text: TextEmbedding, name: Branch) =>
        call(
          transformer,
          { latent, timestep: filled(t, batch), text },
          { ...site(name), lane: { pairer, branch: b } }
        ).finally(() => pairer.finish(b))
      const [vc, vu] = await both(branch(0, input.cond, 'cond'), branch(1, input.uncond, 'uncond'))
      v = applyGuidance(vc, vu, g)
    } else if (batchedText === null && canRunParallel(transformer, input, hooks)) {
      // Concurrent: uncond's session calls go to lane 1 (messages) while this thread runs cond's.
      // cond starts first, as in the sequential order; its blocking run waits for setImmediate, by
      // when uncond's first message is posted.
      const pc = call(transformer, { latent, timestep: filled(t, batch), text: input.cond }, site('cond'))
      const pu = call(
        transformer,
        { latent, timestep: filled(t, batch), text: input.uncond },
        { ...site('uncond'), lane: 1 }
      )
      const [vc, vu] = await Promise.all([pc, pu])
      v = applyGuidance(vc, vu, g)
    } else if (batchedText === null) {
      const vc = await call(
        transformer,
        { latent, timestep: filled(t, batch), text: input.cond },
        site('cond')
      )
      const vu = await call(
        transformer,
        { latent, timestep: filled(t, batch), text: input.uncond },
        site('uncond')
      )
      v = applyGuidance(vc, vu, g)
    } else {
      const both = concatBatch([latent, latent])
      const vv = await call(
        transformer,
        { latent: both, timestep: filled(t, 2 * batch), text: batchedText },
        site('batched')
      )
      const [vc, vu] = splitBatch(vv, 2)
      v = applyGuidance(vc, vu, g)
    }

    // 3. Scheduler step. The velocity is checked first: the cache checks the block streams, but a
    // final graph (or guidance) that overflows would otherwise reach the image unnoticed.
    assertFinite(v, `the velocity of ${transformer.manifest.name} at step ${i} (sigma ${sigma.toFixed(4)})`)
    eulerStep(x, v.data, sigma, sigmas[i + 1])

    // 4. Step callback: traces of this step's decisions, timing, the latent for previews.
    await hooks.onStep?.({
      step: i,
      totalSteps: steps,
      stepMs: performance.now() - t0,
      traces: inCallOrder(hooks.stepCache.drainTraces()),
      latent: tensor(Float32Array.from(x), dims),
      velocity: v,
      sigma
    })
  }
  return tensor(x, dims)
}

/** cond first, then uncond, on the batch axis (the order the reference uses). */
export function batchTexts(cond: TextEmbedding, uncond: TextEmbedding): TextEmbedding {
  const out: Record<string, Tensor> = {}
  for (const name of Object.keys(cond)) out[name] = concatBatch([cond[name], uncond[name]])
  return out
}
