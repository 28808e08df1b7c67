import type { CacheChoice } from '../../../../shared/generation'
import { presetById, resolveCacheConfig, type PresetId } from '../../../../shared/presets'
import type { CacheConfig } from '../../../../shared/cache-config'
import {
  DEFAULT_CACHE_DRAFT,
  draftFromConfig,
  parseCacheDraft,
  type CacheDraft,
  type CacheFieldErrors,
  type CacheFieldKey
} from './cache-form'
import { selectedModel } from './models'
import type { SliceCreator, StudioSlices } from './types'

export interface CacheSlice {
  preset: PresetId
  /** What the custom form's inputs hold, one string per knob. */
  customDraft: CacheDraft
  setPreset: (preset: PresetId) => void
  setCustomField: (key: CacheFieldKey, text: string) => void
  /** Starts the custom form from a preset's full config. */
  customizeFrom: (preset: PresetId) => void
  /** Puts a recipe's cache back in the picker (re-run from the gallery). */
  loadCacheConfig: (preset: PresetId, config: CacheConfig) => void
}

export const createCacheSlice: SliceCreator<CacheSlice> = (set) => ({
  preset: 'F8B0',
  customDraft: DEFAULT_CACHE_DRAFT,
  setPreset: (preset) => set({ preset }),
  setCustomField: (key, text) => set((s) => ({ customDraft: { ...s.customDraft, [key]: text } })),
  customizeFrom: (preset) =>
    set({ preset: 'custom', customDraft: draftFromConfig(resolveCacheConfig(preset)) }),
  loadCacheConfig: (preset, config) =>
    set(preset === 'custom' ? { preset, customDraft: draftFromConfig(config) } : { preset })
})

/** Per-field errors of the custom form (empty for the named presets). */
export function customErrors(s: StudioSlices): CacheFieldErrors {
  if (s.preset !== 'custom') return {}
  return parseCacheDraft(s.customDraft, selectedModel(s)).errors
}

/** The cache part of a generate request, or null while the custom form is invalid. */
export function cacheChoice(s: StudioSlices): CacheChoice | null {
  if (s.preset !== 'custom') return { preset: s.preset, overrides: {} }
  const { overrides } = parseCacheDraft(s.customDraft, selectedModel(s))
  return overrides ? { preset: 'custom', overrides } : null
}

/** The full config the chosen preset resolves to (for the chart's threshold and warmup), or null while invalid. */
export function resolvedCache(s: StudioSlices): CacheConfig | null {
  const choice = cacheChoice(s)
  return choice ? resolveCacheConfig(choice.preset, choice.overrides) : null
}

export const presetLabel = (id: PresetId): string => presetById(id).label
