import { CacheConfigSchema } from '../../../shared/cache-config'
import { pixartDenoise } from '../pipeline/pixart/denoise'
import type { PixArtModel } from '../pipeline/pixart/model'
import { encodePixArtPrompts, pixartDecode, tokenizePixArtPrompts } from '../pipeline/pixart/run'
import { dpmSolverSchedule } from '../pipeline/schedulers/dpm-solver'
import type { PixArtGolden } from './pixart-golden'
import type { ReplayHooks, ReplayResult, ReplayRun } from './replay'
import { pipelineRun, scheduleMaxAbsDiff } from './diff'

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
  const same = (a: BigInt64Array, b: BigInt64Array) => a.length === b.length && a.every((v, i) => v === b[i])
  const tokenIdsMatch =
    same(own.cond.ids, golden.tokenIds.cond) &&
    same(own.uncond.ids, golden.tokenIds.uncond) &&
    same(own.cond.mask, golden.masks.cond) &&
    same(own.uncond.mask, golden.masks.uncond)
  const text = await encodePixArtPrompts(
    model,
    {
      cond: { ids: golden.tokenIds.cond, mask: golden.masks.cond },
      uncond: { ids: golden.tokenIds.uncond, mask: golden.masks.uncond }
    },
    beforeCall
  )
  const schedule = dpmSolverSchedule(model.configs.scheduler, golden.steps)
  const sigmaMaxAbsDiff = scheduleMaxAbsDiff(golden.dir, schedule, {
    sigmas: golden.schedule.sigmas,
    timesteps: golden.stepTimesteps
  })
  const cache = CacheConfigSchema.parse({ enabled: false, mergeBlockLists: false })
  const { latent } = await pixartDenoise(
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
    { createStepCache: hooks.createStepCache, beforeCall }
  )
  const { image } = await pixartDecode(model, latent, beforeCall)
  const run: ReplayRun = pipelineRun(golden, latent, image)
  hooks.onRun?.(run)
  return { runs: [run], checks: { tokenIdsMatch, sigmaMaxAbsDiff } }
}
