import { CacheConfigSchema, type CacheConfig } from '../../../shared/cache-config'
import type { BeforeCall } from '../model/block-program'
import type { FamilyDenoiseHooks } from '../pipeline/family-loop'
import type { Tensor } from '../tensor'
import { scheduleMaxAbsDiff, tensorDiff } from './diff'
import type { PipelineGolden } from './golden-files'
import type { ReplayHooks, ReplayRun } from './replay'

/**
 * What a replay runs where the golden has no CacheDiT config: the step cache off. A pipeline
 * golden (SD3, PixArt-Σ) has one such run, whose steps after the prompts' encoding are the same
 * for every family but for the family's own loop and decode.
 */

/** The step cache off, its block lists kept apart. */
export function uncachedConfig(): CacheConfig {
  return CacheConfigSchema.parse({ enabled: false, mergeBlockLists: false })
}

export interface UncachedFamilyRun {
  /** The engine's schedule for the golden's steps. */
  schedule: { sigmas: ArrayLike<number>; timesteps: ArrayLike<number> }
  /** The family's loop from the golden's initial latents on that schedule. */
  denoise(cache: CacheConfig, hooks: FamilyDenoiseHooks): Promise<{ latent: Tensor }>
  decode(latent: Tensor): Promise<{ image: Tensor }>
}

/**
 * A pipeline golden's one uncached run: the schedule against the golden's (timesteps alike, the
 * largest |Δ| of the sigmas), the loop, the decode, and the final latents and image against the
 * golden's (no cache contexts on either side), told to hooks.onRun.
 */
export async function uncachedPipelineRun(
  golden: PipelineGolden,
  hooks: ReplayHooks,
  beforeCall: BeforeCall,
  family: UncachedFamilyRun
): Promise<{ run: ReplayRun; sigmaMaxAbsDiff: number }> {
  const sigmaMaxAbsDiff = scheduleMaxAbsDiff(golden.dir, family.schedule, {
    sigmas: golden.schedule.sigmas,
    timesteps: golden.stepTimesteps
  })
  const { latent } = await family.denoise(uncachedConfig(), {
    createStepCache: hooks.createStepCache,
    beforeCall
  })
  const { image } = await family.decode(latent)
  const run: ReplayRun = {
    name: golden.name,
    latentMaxAbsDiff: tensorDiff(latent, golden.finalLatents, 'final latents'),
    imageMaxAbsDiff: tensorDiff(image, golden.image, 'image'),
    contexts: [],
    reference: { contexts: [] }
  }
  hooks.onRun?.(run)
  return { run, sigmaMaxAbsDiff }
}
