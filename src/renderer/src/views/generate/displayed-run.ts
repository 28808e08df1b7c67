import type { GalleryEntry } from '../../../../shared/gallery'
import { resolveCacheConfig } from '../../../../shared/presets'
import type { StepTrace } from '../../../../shared/trace'
import { compareDenoise, uncachedTwin } from '../../store/slices/compare'
import type { Job, StudioSlices } from '../../store/slices/types'

/** What the generate view shows: the live job while it runs, else the output it produced (or the reopened one). */
export interface DisplayedRun {
  job: Job | null
  entry: GalleryEntry | null
  traces: readonly StepTrace[]
  totalSteps: number
  warmupSteps: number
}

export function displayedRun(s: StudioSlices): DisplayedRun | null {
  const job = s.job
  const entryId = s.selectedEntryId
  const entry = entryId ? (s.loadedEntries[entryId] ?? null) : null
  const live = job && (job.phase === 'running' || job.phase === 'cancelling' || !entry)
  if (live && job) {
    const cache = job.request.cache ?? { preset: 'none', overrides: {} }
    const config = resolveCacheConfig(cache.preset, cache.overrides ?? {})
    return {
      job,
      entry: null,
      traces: job.traces,
      totalSteps: job.totalSteps,
      warmupSteps: config.enabled ? config.maxWarmupSteps : 0
    }
  }
  if (!entry) return null
  return {
    job: job && job.entryId === entry.id ? job : null,
    entry,
    traces: entry.trace,
    totalSteps: entry.recipe.steps,
    warmupSteps: entry.recipe.cache.enabled ? entry.recipe.cache.maxWarmupSteps : 0
  }
}

/**
 * Uncached denoise time over the entry's, when the gallery holds an uncached run of the same
 * recipe and both were timed on warm sessions (a total holds session preparation; see
 * compareDenoise); null otherwise.
 */
export function measuredSpeedup(s: StudioSlices, entry: GalleryEntry): number | null {
  if (!entry.recipe.cache.enabled) return null
  const twin = uncachedTwin(s.entries, entry.recipe)
  const c = twin ? compareDenoise(entry, twin) : null
  return c?.comparable ? c.speedup : null
}
