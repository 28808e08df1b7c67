import type { CompareResult } from '../../../../shared/engine-protocol'
import type { GalleryEntryMeta } from '../../../../shared/gallery'
import type { GenerateRequestInput, ProgressEvent, Recipe } from '../../../../shared/generation'
import { ProviderSchema } from '../../../../shared/providers'
import { newJobId } from './generation'
import { errorText, StudioCallError, studio, unwrap } from './studio-api'
import type { SliceCreator, StudioSlices } from './types'

export type ComparePhase = 'idle' | 'generating-uncached' | 'comparing' | 'ready' | 'failed' | 'cancelled'

export interface CompareState {
  phase: ComparePhase
  cachedId: string | null
  uncachedId: string | null
  /** True when a stored uncached run of the same recipe was reused instead of generating one. */
  reusedUncached: boolean
  jobId: string | null
  step: number
  totalSteps: number
  elapsedMs: number
  etaMs: number
  result: CompareResult | null
  error: string | null
}

export interface CompareSlice {
  compare: CompareState
  /**
   * Compares a cached run with the same recipe uncached: reuses a stored uncached twin or
   * generates one, then asks the engine for PSNR, SSIM and the difference heatmap.
   */
  compareWithUncached: (cachedId: string) => Promise<void>
  cancelCompare: () => Promise<void>
  applyCompareProgress: (jobId: string, event: ProgressEvent) => void
}

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
          const reply = await unwrap(studio().generate({ jobId, request: uncachedRequest(cached.recipe) }))
          uncachedId = reply.entryId
          await get().loadGallery()
        }
        patch({ phase: 'comparing', uncachedId, jobId: null })
        const [result] = await Promise.all([
          unwrap(studio().compare({ a: cachedId, b: uncachedId })),
          get().fetchEntry(uncachedId)
        ])
        patch({ phase: 'ready', result })
      } catch (e) {
        const cancelled = e instanceof StudioCallError && e.code === 'cancelled'
        patch(
          cancelled
            ? { phase: 'cancelled', jobId: null }
            : { phase: 'failed', error: errorText(e), jobId: null }
        )
      }
    },

    cancelCompare: async () => {
      const jobId = get().compare.jobId
      if (jobId) await studio().cancelGenerate({ jobId })
    },

    applyCompareProgress: (jobId, event) => {
      if (get().compare.jobId !== jobId) return
      patch({
        step: event.step + 1,
        totalSteps: event.totalSteps,
        elapsedMs: event.elapsedMs,
        etaMs: event.etaMs
      })
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
    candidate.separateCfg === recipe.separateCfg &&
    // Same provider too: the two times are only comparable on the same hardware.
    candidate.provider === recipe.provider
  )
}

export function uncachedTwin(entries: readonly GalleryEntryMeta[], recipe: Recipe): GalleryEntryMeta | null {
  return entries.find((e) => sameRecipeUncached(e.recipe, recipe)) ?? null
}

/** The recipe again with the cache off. */
export function uncachedRequest(recipe: Recipe): GenerateRequestInput {
  const provider = ProviderSchema.safeParse(recipe.provider)
  return {
    model: recipe.model,
    prompt: recipe.prompt,
    negativePrompt: recipe.negativePrompt,
    seed: recipe.seed,
    steps: recipe.steps,
    guidanceScale: recipe.guidanceScale,
    separateCfg: recipe.separateCfg,
    cache: { preset: 'none', overrides: {} },
    provider: provider.success ? provider.data : 'auto'
  }
}

export const isComparing = (s: Pick<CompareSlice, 'compare'>): boolean =>
  s.compare.phase === 'generating-uncached' || s.compare.phase === 'comparing'

/** Uncached time over cached time, total and denoise loop; null until both runs are known. */
export function compareSpeedup(s: StudioSlices): { total: number; denoise: number } | null {
  const { cachedId, uncachedId } = s.compare
  const a = cachedId ? s.loadedEntries[cachedId] : undefined
  const b = uncachedId ? s.loadedEntries[uncachedId] : undefined
  if (!a || !b) return null
  return { total: b.timings.totalMs / a.timings.totalMs, denoise: b.timings.denoiseMs / a.timings.denoiseMs }
}
