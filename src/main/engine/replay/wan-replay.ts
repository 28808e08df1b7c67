import type { CacheConfig } from '../../../shared/cache-config'
import { wanDecode } from '../pipeline/wan/decode'
import { wanDenoise, wanExpert } from '../pipeline/wan/denoise'
import type { WanModel } from '../pipeline/wan/model'
import { encodeWan, tokenizeWan, type WanTokens } from '../pipeline/wan/text'
import { uniPCSchedule } from '../pipeline/schedulers/unipc'
import {
  comparedRun,
  engineContexts,
  type ReplayChecks,
  type ReplayHooks,
  type ReplayResult,
  type ReplayRun
} from './replay'
import type { WanGolden } from './wan-golden'
import { uncachedConfig } from './uncached-run'
import { sameIds, scheduleMaxAbsDiff, tensorDiff } from './diff'

/**
 * `studio replay` of a Wan golden: every run from the golden's own inputs (its token ids and mask
 * where saved, else its prompts tokenized at its max_sequence_length; its initial noise; its steps,
 * guidance scales and CacheDiT config), compared with diffusers (final latents, decoded frames)
 * and CacheDiT (cached steps and residual diffs per transformer and CFG branch).
 */

export interface WanReplayChecks extends ReplayChecks {
  /** Largest |Δ| of the engine's prompt embeddings against the golden's (null: none saved). */
  embedsMaxAbsDiff: number | null
  /** Whether each step ran the expert the golden says (null: it does not say). */
  expertsMatch: boolean | null
  /** Where a setting the golden lacks came from. */
  notes: string[]
}

export interface WanReplayResult extends ReplayResult {
  checks: WanReplayChecks
}

export async function replayWan(
  model: WanModel,
  golden: WanGolden,
  hooks: ReplayHooks
): Promise<WanReplayResult> {
  const beforeCall = hooks.beforeCall ?? (() => undefined)
  const notes: string[] = []
  if (golden.maxSequenceLengthNote) notes.push(golden.maxSequenceLengthNote)
  let L = golden.maxSequenceLength
  if (L === null) {
    L = model.defaults.maxSequenceLength
    notes.push(`max_sequence_length: the golden does not say; the model's ${L} was used`)
  }
  const own = {
    cond: tokenizeWan(model.tokenizer, golden.prompt, L),
    uncond: tokenizeWan(model.tokenizer, golden.negativePrompt, L)
  }
  let tokens = own
  let tokenIdsMatch: boolean | null = null
  if (golden.tokenIds) {
    const saved = golden.tokenIds
    const row = (r: number): WanTokens => {
      const ids = saved.ids.slice(r * saved.length, (r + 1) * saved.length)
      const mask = saved.mask.slice(r * saved.length, (r + 1) * saved.length)
      return { ids, mask, length: mask.reduce((n, v) => n + Number(v), 0) }
    }
    tokens = { cond: row(0), uncond: row(1) }
    tokenIdsMatch = sameTokens(own.cond, tokens.cond) && sameTokens(own.uncond, tokens.uncond)
  }
  const cond = await encodeWan(model.textEncoder, tokens.cond, beforeCall)
  const uncond = await encodeWan(model.textEncoder, tokens.uncond, beforeCall)
  const embedsMaxAbsDiff = golden.promptEmbeds
    ? Math.max(
        tensorDiff(cond, golden.promptEmbeds.cond, 'prompt embeddings'),
        tensorDiff(uncond, golden.promptEmbeds.uncond, 'negative prompt embeddings')
      )
    : null

  const schedule = uniPCSchedule(model.configs.scheduler, golden.steps)
  const sigmaMaxAbsDiff = scheduleMaxAbsDiff(golden.dir, schedule, golden.schedule)
  const firstStep = new Map<string, number>()
  const experts: string[] = []
  schedule.timesteps.forEach((t, i) => {
    const name = wanExpert(model, t, 1, null).transformer.manifest.name
    experts.push(name)
    if (!firstStep.has(name)) firstStep.set(name, i)
  })
  const expertsMatch = golden.expertPerStep ? golden.expertPerStep.join() === experts.join() : null

  const runs: ReplayRun[] = []
  for (const run of golden.runs) {
    const cache: CacheConfig = run.cache
      ? { ...run.cache, enableSeparateCfg: true, mergeBlockLists: false }
      : uncachedConfig()
    const { latent, stepCache } = await wanDenoise(
      model,
      {
        cond,
        uncond,
        noise: golden.initialLatents,
        schedule,
        guidanceScale: golden.guidanceScale,
        guidanceScale2: golden.guidanceScale2,
        cache
      },
      { createStepCache: hooks.createStepCache, beforeCall }
    )
    let imageMaxAbsDiff: number | null = null
    if (run.image && !model.vaeDecoder) {
      const note = 'frames not compared: the folder has no vae_decoder/model.onnx'
      if (!notes.includes(note)) notes.push(note)
    } else if (run.image) {
      const { video } = await wanDecode(model, latent, beforeCall)
      imageMaxAbsDiff = tensorDiff(video, run.image, `${run.name} frames`)
    }
    // CacheDiT counts each transformer's steps from its own first step (its cache context's).
    const contexts = run.cache ? engineContexts(stepCache.summary(), (t) => firstStep.get(t) ?? 0) : []
    runs.push(comparedRun(run, latent, imageMaxAbsDiff, contexts, hooks))
  }
  return { runs, checks: { tokenIdsMatch, sigmaMaxAbsDiff, embedsMaxAbsDiff, expertsMatch, notes } }
}

function sameTokens(a: WanTokens, b: WanTokens): boolean {
  return sameIds(a.ids, b.ids) && sameIds(a.mask, b.mask)
}
