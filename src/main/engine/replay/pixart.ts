import { pixartDenoise } from '../pipeline/pixart/denoise'
import type { PixArtModel } from '../pipeline/pixart/model'
import { encodePixArtPrompts, pixartDecode, tokenizePixArtPrompts } from '../pipeline/pixart/run'
import { dpmSolverSchedule } from '../pipeline/schedulers/dpm-solver'
import type { PixArtGolden } from './pixart-golden'
import type { ReplayHooks, ReplayResult } from './replay'
import { sameIds } from './diff'
import { uncachedPipelineRun } from './uncached-run'

/**
 * `studio replay` of a PixArt-Σ pipeline golden: the golden's token ids and masks (the engine's
 * own tokenization is compared with them), its initial latents, steps, guidance and size, through
 * the engine's PixArt pipeline (T5 → DPM-Solver loop with batched CFG → VAE), compared with the
 * final latents and image diffusers produced. The golden has no cached runs.
 */

export async function replayPixArt(
  model: PixArtModel,
  golden: PixArtGolden,
  hooks: ReplayHooks
): Promise<ReplayResult> {
  const beforeCall = hooks.beforeCall ?? (() => undefined)
  const own = tokenizePixArtPrompts(model, golden.prompt, golden.negativePrompt, golden.maxSequenceLength)
  const tokenIdsMatch =
    sameIds(own.cond.ids, golden.tokenIds.cond) &&
    sameIds(own.uncond.ids, golden.tokenIds.uncond) &&
    sameIds(own.cond.mask, golden.masks.cond) &&
    sameIds(own.uncond.mask, golden.masks.uncond)
  const text = await encodePixArtPrompts(
    model,
    {
      cond: { ids: golden.tokenIds.cond, mask: golden.masks.cond },
      uncond: { ids: golden.tokenIds.uncond, mask: golden.masks.uncond }
    },
    beforeCall
  )
  const schedule = dpmSolverSchedule(model.configs.scheduler, golden.steps)
  const { run, sigmaMaxAbsDiff } = await uncachedPipelineRun(golden, hooks, beforeCall, {
    schedule,
    denoise: (cache, loopHooks) =>
      pixartDenoise(
        model,
        {
          ...text,
          noise: golden.initialLatents,
          schedule,
          guidanceScale: golden.guidanceScale,
          width: golden.width,
          height: golden.height,
          cache
        },
        loopHooks
      ),
    decode: (latent) => pixartDecode(model, latent, beforeCall)
  })
  return { runs: [run], checks: { tokenIdsMatch, sigmaMaxAbsDiff } }
}
