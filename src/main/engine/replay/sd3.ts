import { flowMatchStepsSchedule } from '../pipeline/flow-match'
import { sd3Denoise } from '../pipeline/sd3/denoise'
import type { Sd3Model } from '../pipeline/sd3/model'
import { encodeSd3Prompts, sd3Decode, tokenizeSd3Prompts } from '../pipeline/sd3/run'
import type { Sd3TokenIds } from '../pipeline/sd3/text'
import type { Sd3Golden, Sd3GoldenIds } from './sd3-golden'
import type { ReplayHooks, ReplayResult } from './replay'
import { sameIds, tensorDiff } from './diff'
import { uncachedPipelineRun } from './uncached-run'

/**
 * `studio replay` of an SD3 pipeline golden: the golden's token ids (the engine's own
 * tokenization is compared with them), its initial latents, steps, guidance and size, through the
 * engine's SD3 pipeline (CLIP-L + CLIP-G + T5 → FlowMatchEuler loop with the CFG batch → VAE),
 * compared with the final latents and image diffusers produced, and the prompt embeddings with
 * diffusers'. The golden has no cached runs.
 */

export interface Sd3ReplayChecks {
  tokenIdsMatch: boolean
  sigmaMaxAbsDiff: number
  /** Largest |Δ| of the engine's prompt embeddings (states and pooled, both prompts) from diffusers'. */
  embedsMaxAbsDiff: number
}

export async function replaySd3(
  model: Sd3Model,
  golden: Sd3Golden,
  hooks: ReplayHooks
): Promise<ReplayResult & { checks: Sd3ReplayChecks }> {
  const beforeCall = hooks.beforeCall ?? (() => undefined)
  const own = tokenizeSd3Prompts(model, golden.prompt, golden.negativePrompt, golden.maxSequenceLength)
  const same = (a: Sd3TokenIds, b: Sd3GoldenIds) =>
    (['clipL', 'clipG', 't5'] as const).every((k) => sameIds(a[k], b[k]))
  const tokenIdsMatch = same(own.cond, golden.tokenIds.cond) && same(own.uncond, golden.tokenIds.uncond)
  const text = await encodeSd3Prompts(model, golden.tokenIds, beforeCall)
  const embedsMaxAbsDiff = Math.max(
    tensorDiff(text.cond.states, golden.embeds.cond.states, 'prompt embeddings'),
    tensorDiff(text.cond.pooled, golden.embeds.cond.pooled, 'pooled prompt embeddings'),
    tensorDiff(text.uncond.states, golden.embeds.uncond.states, 'negative prompt embeddings'),
    tensorDiff(text.uncond.pooled, golden.embeds.uncond.pooled, 'negative pooled prompt embeddings')
  )
  const schedule = flowMatchStepsSchedule(model.configs.scheduler, golden.steps)
  const { run, sigmaMaxAbsDiff } = await uncachedPipelineRun(golden, hooks, beforeCall, {
    schedule,
    denoise: (cache, loopHooks) =>
      sd3Denoise(
        model,
        { ...text, noise: golden.initialLatents, schedule, guidanceScale: golden.guidanceScale, cache },
        loopHooks
      ),
    decode: (latent) => sd3Decode(model, latent, beforeCall)
  })
  return { runs: [run], checks: { tokenIdsMatch, sigmaMaxAbsDiff, embedsMaxAbsDiff } }
}
