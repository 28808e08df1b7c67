import type { GalleryEntryMeta } from '../../../../shared/gallery'
import type { GenerateRequestInput, Recipe, Timings } from '../../../../shared/generation'
import { requestFromRecipe } from '../../../../shared/recipe-request'
import { errorText, isCancelled, unwrap } from '../../../../shared/failure'
import { generateFollowing, newJobId, progressOf } from './generation'
import type { CompareSlice, CompareState, SliceCreator } from './types'

const IDLE: CompareState = {
  phase: 'idle',
  cachedId: null,
  uncachedId: null,
  reusedUncached: false,
  jobId: null,
  step: 0,
  totalSteps: 0,
  elapsedMs: 0,
  etaMs: 0,
  result: null,
  error: null
}

export const createCompareSlice: SliceCreator<CompareSlice> = (set, get) => {
  const patch = (p: Partial<CompareState>): void => set((s) => ({ compare: { ...s.compare, ...p } }))
  return {
    compare: IDLE,

    compareWithUncached: async (cachedId) => {
      if (isComparing(get())) return
      set({ compare: { ...IDLE, phase: 'comparing', cachedId } })
      try {
        // The stored runs of earlier sessions count too: list them before looking for a twin.
        await get().loadGallery()
        const cached = await get().fetchEntry(cachedId)
        if (!cached.recipe.cache.enabled)
          throw new Error('This run is uncached already: pick a run made with a cache preset.')
        let uncachedId = uncachedTwin(get().entries, cached.recipe)?.id ?? null
        patch({ reusedUncached: uncachedId !== null })
        if (!uncachedId) {
          const jobId = newJobId()
          patch({ phase: 'generating-uncached', jobId, totalSteps: cached.recipe.steps })
          const { entryId, ...entry } = await generateFollowing(
            { jobId, request: uncachedRequest(cached.recipe) },
            (event) => patch(progressOf(event))
          )
          uncachedId = entryId
          get().keepEntry(entry)
        }
        patch({ phase: 'comparing', uncachedId, jobId: null })
        const [result] = await Promise.all([
          unwrap(window.studio.compare({ a: cachedId, b: uncachedId })),
          get().fetchEntry(uncachedId)
        ])
        patch({ phase: 'ready', result })
      } catch (e) {
        const cancelled = isCancelled(e)
        patch(
          cancelled
            ? { phase: 'cancelled', jobId: null }
            : { phase: 'failed', error: errorText(e), jobId: null }
        )
      }
    },

    cancelCompare: async () => {
      const jobId = get().compare.jobId
      if (jobId) await window.studio.cancelGenerate({ jobId })
    }
  }
}

/** Same output expected: everything that shapes the pixels matches and the cache is off. */
export function sameRecipeUncached(candidate: Recipe, recipe: Recipe): boolean {
  return (
    !candidate.cache.enabled &&
    candidate.model === recipe.model &&
    candidate.prompt === recipe.prompt &&
    candidate.negativePrompt === recipe.negativePrompt &&
    candidate.seed === recipe.seed &&
    candidate.steps === recipe.steps &&
    candidate.guidanceScale === recipe.guidanceScale &&
    candidate.guidanceScale2 === recipe.guidanceScale2 &&
    // Qwen-Image: the same embedding files stood for the prompts (their hashes, not their names).
    candidate.promptEmbeds?.sha256 === recipe.promptEmbeds?.sha256 &&
    candidate.negativePromptEmbeds?.sha256 === recipe.negativePromptEmbeds?.sha256 &&
    candidate.separateCfg === recipe.separateCfg &&
    // Same size: an imported model makes more than one from the same seed.
    candidate.width === recipe.width &&
    candidate.height === recipe.height &&
    candidate.frames === recipe.frames &&
    // Same provider too: the two times are only comparable on the same hardware.
    candidate.provider === recipe.provider
  )
}

/**
 * A stored uncached run of the same recipe whose times can be compared; one recorded before
 * session preparation was timed apart is passed over, so the compare makes a fresh one.
 */
export function uncachedTwin(entries: readonly GalleryEntryMeta[], recipe: Recipe): GalleryEntryMeta | null {
  return entries.find((e) => sameRecipeUncached(e.recipe, recipe) && timedWarm(e.timings)) ?? null
}

/**
 * Whether a run's denoise time was measured on warm sessions, with session preparation and
 * previews apart (outputs of older engines lack `prepareMs`: their first step may hold a cold
 * session's first run and their loop time the previews).
 */
export const timedWarm = (t: Timings): boolean => t.prepareMs !== undefined

export type DenoiseComparison =
  | { comparable: true; speedup: number; cachedMs: number; uncachedMs: number }
  | { comparable: false; why: string }

interface TimedRun {
  recipe: Pick<Recipe, 'provider' | 'steps'>
  timings: Timings
}

/**
 * Uncached denoise time over cached denoise time: the steps alone, both on warm sessions. A pair
 * whose times do not measure the same thing gets the reason instead of a number, never a ratio
 * that session preparation or a cold start made up.
 */
export function compareDenoise(cached: TimedRun, uncached: TimedRun): DenoiseComparison {
  const older = (which: string) =>
    `the ${which} run was timed by an older engine (its denoise time may hold session preparation and previews); generate it again to measure the speedup`
  if (!timedWarm(cached.timings)) return { comparable: false, why: older('cached') }
  if (!timedWarm(uncached.timings)) return { comparable: false, why: older('uncached') }
  if (cached.recipe.provider !== uncached.recipe.provider)
    return {
      comparable: false,
      why: `the runs used different providers (${cached.recipe.provider} and ${uncached.recipe.provider})`
    }
  if (cached.recipe.steps !== uncached.recipe.steps)
    return {
      comparable: false,
      why: `the runs have different step counts (${cached.recipe.steps} and ${uncached.recipe.steps})`
    }
  const cachedMs = cached.timings.denoiseMs
  const uncachedMs = uncached.timings.denoiseMs
  if (!(cachedMs > 0 && uncachedMs > 0)) return { comparable: false, why: 'a run has no timed steps' }
  return { comparable: true, speedup: uncachedMs / cachedMs, cachedMs, uncachedMs }
}

/** The recipe again with the cache off. */
export const uncachedRequest = (recipe: Recipe): GenerateRequestInput => ({
  ...requestFromRecipe(recipe),
  cache: { preset: 'none', overrides: {} }
})

export const isComparing = (s: Pick<CompareSlice, 'compare'>): boolean =>
  s.compare.phase === 'generating-uncached' || s.compare.phase === 'comparing'
