import { CacheConfigSchema } from '../../../shared/cache-config'
import type { CreateStepCache } from '../cache/seam'
import { EngineFailure } from '../errors'
import type { BeforeCall } from '../model/block-program'
import { flowMatchSchedule } from '../pipeline/flow-match'
import { latentSize } from '../pipeline/flux/latents'
import { vaeScaleFactor } from '../pipeline/vae-decode'
import type { FluxModel } from '../pipeline/flux/model'
import { encodeFlux, fluxDecode, fluxDenoise, tokenizeFlux, type FluxTokenIds } from '../pipeline/flux/run'
import type { CacheSummary } from '../../../shared/trace'
import type { Tensor } from '../tensor'
import type { FluxGolden, GoldenRun, ReferenceContext } from './golden'
import { maxAbsDiff, sameIds, tensorDiff } from './diff'

/**
 * `studio replay`: every run of a golden through the engine from the golden's own inputs (its
 * token ids, or its prompt tokenized at its max_sequence_length; its initial latents; its steps
 * and guidance; its CacheDiT config), compared with what diffusers and CacheDiT produced.
 */

export interface ReplayContext {
  transformer: string
  branch: string
  cachedSteps: number[]
  residualDiffs: Record<string, number>
}

export interface ReplayRun {
  name: string
  latentMaxAbsDiff: number
  imageMaxAbsDiff: number | null
  contexts: ReplayContext[]
  reference: { contexts: ReferenceContext[] }
}

export interface ReplayChecks {
  /** Whether the engine's tokenizers give the golden's ids for its prompt (null: none saved). */
  tokenIdsMatch: boolean | null
  /** Largest |Δ| of the engine's sigmas against the golden's scheduler sigmas. */
  sigmaMaxAbsDiff: number
}

export interface ReplayResult {
  runs: ReplayRun[]
  checks: ReplayChecks
}

export interface ReplayHooks {
  createStepCache: CreateStepCache
  beforeCall?: BeforeCall
  /** Called as each run ends (the CLI prints as it goes). */
  onRun?: (run: ReplayRun) => void
}

export async function replayFlux(
  model: FluxModel,
  golden: FluxGolden,
  hooks: ReplayHooks
): Promise<ReplayResult> {
  const beforeCall = hooks.beforeCall ?? (() => undefined)
  const own = tokenizeFlux(model, golden.prompt, golden.maxSequenceLength)
  const saved = golden.tokenIds
  const ids: FluxTokenIds = saved ? { clip: saved.tokenizer, t5: saved.tokenizer_2 } : own
  const tokenIdsMatch = saved
    ? sameIds(own.clip, saved.tokenizer) && sameIds(own.t5, saved.tokenizer_2)
    : null
  const text = await encodeFlux(model, ids, beforeCall)

  const latent = latentSize(golden.width, golden.height, vaeScaleFactor(model.configs.vae.block_out_channels))
  const channels = model.configs.transformer.in_channels
  const tokens = (latent.h / 2) * (latent.w / 2)
  const want = [1, tokens, channels]
  if (golden.initialLatents.dims.join() !== want.join())
    throw new EngineFailure(
      'bad_request',
      `${golden.dir}: initial latents [${golden.initialLatents.dims.join(', ')}], the model packs a ${golden.width}×${golden.height} image to [${want.join(', ')}]`
    )
  const schedule = flowMatchSchedule(model.configs.scheduler, golden.steps, tokens)
  const sigmaMaxAbsDiff = maxAbsDiff(
    Float64Array.from(schedule.sigmas),
    Float64Array.from(golden.schedule.sigmas)
  )

  const runs: ReplayRun[] = []
  for (const run of golden.runs) {
    const cache = run.cache ?? CacheConfigSchema.parse({ enabled: false, mergeBlockLists: true })
    const { latent: final, stepCache } = await fluxDenoise(
      model,
      { text, noise: golden.initialLatents, latent, schedule, guidance: golden.guidanceScale, cache },
      { createStepCache: hooks.createStepCache, beforeCall }
    )
    let imageMaxAbsDiff: number | null = null
    if (run.image) {
      const { image } = await fluxDecode(model, final, latent, beforeCall)
      imageMaxAbsDiff = tensorDiff(image, run.image, `${run.name} image`)
    }
    const contexts = run.cache ? engineContexts(stepCache.summary()) : []
    runs.push(comparedRun(run, final, imageMaxAbsDiff, contexts, hooks))
  }
  return { runs, checks: { tokenIdsMatch, sigmaMaxAbsDiff } }
}

/**
 * The engine's cache contexts as a replay compares them with CacheDiT's: each one's steps counted
 * from `firstStep` of its transformer (CacheDiT counts from the context's own first step).
 */
export function engineContexts(
  summary: CacheSummary,
  firstStep: (transformer: string) => number = () => 0
): ReplayContext[] {
  return summary.contexts.map((c) => {
    const offset = firstStep(c.transformer)
    return {
      transformer: c.transformer,
      branch: c.branch,
      cachedSteps: c.cachedSteps.map((s) => s - offset),
      residualDiffs: Object.fromEntries(
        Object.entries(c.residualDiffs).map(([s, d]) => [String(Number(s) - offset), d])
      )
    }
  })
}

/** A golden run as the engine replayed it (its final latents compared), told to hooks.onRun. */
export function comparedRun(
  run: GoldenRun,
  latent: Tensor,
  imageMaxAbsDiff: number | null,
  contexts: ReplayContext[],
  hooks: ReplayHooks
): ReplayRun {
  const result: ReplayRun = {
    name: run.name,
    latentMaxAbsDiff: tensorDiff(latent, run.finalLatents, `${run.name} final latents`),
    imageMaxAbsDiff,
    contexts,
    reference: run.reference
  }
  hooks.onRun?.(result)
  return result
}
