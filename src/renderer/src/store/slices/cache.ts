import { calibratedAsPreset, type CalibratedPreset } from '../../../../shared/calibrated-presets'
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
import { errorText, studio, unwrap } from './studio-api'
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
  /** The presets `studio calibrate` saved for the selected model (newest first). */
  calibrated: { modelId: string; presets: CalibratedPreset[] } | null
  /** Why the selected model's calibrated presets could not be read (one line); null when they could. */
  calibratedError: string | null
  /** The calibrated preset picked: it runs as `custom` with its fields (the draft holds them). */
  pickedCalibrated: CalibratedPreset | null
  loadCalibrated: (modelId: string) => Promise<void>
  pickCalibrated: (preset: CalibratedPreset) => void
  /** Opens the custom form on the picked calibrated preset's values. */
  customizeCalibrated: () => void
}

export const createCacheSlice: SliceCreator<CacheSlice> = (set, get) => ({
  preset: 'F8B0',
  customDraft: DEFAULT_CACHE_DRAFT,
  calibrated: null,
  calibratedError: null,
  pickedCalibrated: null,
  setPreset: (preset) => set({ preset, pickedCalibrated: null }),
  setCustomField: (key, text) =>
    set((s) => ({ customDraft: { ...s.customDraft, [key]: text }, pickedCalibrated: null })),
  customizeFrom: (preset) =>
    set({
      preset: 'custom',
      customDraft: draftFromConfig(resolveCacheConfig(preset)),
      pickedCalibrated: null
    }),
  loadCacheConfig: (preset, config) =>
    set(
      preset === 'custom'
        ? { preset, customDraft: draftFromConfig(config), pickedCalibrated: null }
        : { preset, pickedCalibrated: null }
    ),

  loadCalibrated: async (modelId) => {
    // Another model's calibration does not hold for this one: back to the preset it started from.
    const picked = get().pickedCalibrated
    if (picked && picked.modelId !== modelId) set({ preset: picked.base, pickedCalibrated: null })
    if (get().calibrated?.modelId !== modelId) set({ calibrated: null, calibratedError: null })
    try {
      const presets = await unwrap(studio().listCalibratedPresets({ modelId }))
      if (get().form.modelId !== modelId) return
      set({ calibrated: { modelId, presets }, calibratedError: null })
    } catch (e) {
      if (get().form.modelId !== modelId) return
      set({ calibrated: { modelId, presets: [] }, calibratedError: errorText(e) })
    }
  },
  pickCalibrated: (p) =>
    set({
      preset: 'custom',
      customDraft: draftFromConfig(resolveCacheConfig('custom', calibratedAsPreset(p).overrides)),
      pickedCalibrated: p
    }),
  customizeCalibrated: () => set({ pickedCalibrated: null })
})

const NONE: CalibratedPreset[] = []

/** The calibrated presets offered for the selected model (a stable reference: a store selector). */
export function calibratedForModel(s: StudioSlices): CalibratedPreset[] {
  const modelId = s.form.modelId
  return s.calibrated && s.calibrated.modelId === modelId ? s.calibrated.presets : NONE
}

/** Identifies a calibrated preset in a list (model, base and target make one, as the file keys them). */
export const calibratedKey = (p: CalibratedPreset): string => `${p.modelId}|${p.base}|${p.targetPsnrDb}`

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

/** The chosen preset's label: a calibrated one by its own name. */
export const chosenPresetLabel = (s: StudioSlices): string =>
  s.pickedCalibrated ? s.pickedCalibrated.label : presetLabel(s.preset)
