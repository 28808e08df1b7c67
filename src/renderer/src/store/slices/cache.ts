import { calibratedAsPreset, type CalibratedPreset } from '../../../../shared/calibrated-presets'
import type { CacheChoice } from '../../../../shared/generation'
import { presetById, resolveCacheConfig, type PresetId } from '../../../../shared/presets'
import type { CacheConfig } from '../../../../shared/cache-config'
import { errorText, unwrap } from '../../../../shared/failure'
import type { ModelInfo } from '../../../../shared/manifest'
import {
  blockBudgetProblem,
  DEFAULT_CACHE_DRAFT,
  draftFromConfig,
  parseCacheDraft,
  type CacheDraft
} from '../cache-form'
import { memoLast } from '../memo-last'
import { selectedModel } from './models'
import type { CacheSlice, SliceCreator, StudioSlices } from './types'

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
      const presets = await unwrap(window.studio.listCalibratedPresets({ modelId }))
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

/*
 * The cache choice, its config and its fit to the model are derived from the preset, the custom
 * draft and the selected model only, and are read by the Generate button's selector on every store
 * change, a run's progress events included: each is memoised on its own inputs (memoLast), so a
 * change elsewhere reuses the last answer instead of parsing the draft and walking the model's
 * block lists again.
 */
const namedChoice = memoLast((preset: PresetId): CacheChoice => ({ preset, overrides: {} }))
const customChoice = memoLast((draft: CacheDraft, model: ModelInfo | null): CacheChoice | null => {
  const { overrides } = parseCacheDraft(draft, model)
  return overrides ? { preset: 'custom', overrides } : null
})
const configOf = memoLast((choice: CacheChoice | null): CacheConfig | null =>
  choice ? resolveCacheConfig(choice.preset, choice.overrides) : null
)
const budgetOf = memoLast((config: CacheConfig, model: ModelInfo): string | null =>
  blockBudgetProblem(config, model)
)

/** The cache part of a generate request, or null while the custom form is invalid. */
export function cacheChoice(s: StudioSlices): CacheChoice | null {
  return s.preset === 'custom' ? customChoice(s.customDraft, selectedModel(s)) : namedChoice(s.preset)
}

/** The full config the chosen preset resolves to (for the chart's threshold and warmup), or null while invalid. */
export function resolvedCache(s: StudioSlices): CacheConfig | null {
  return configOf(cacheChoice(s))
}

/**
 * Why the chosen cache config does not fit the selected model's block lists
 * (cache-form.ts blockBudgetProblem); null when it fits, or while there is no model or no valid config.
 */
export function cacheBudgetProblem(s: StudioSlices): string | null {
  const config = resolvedCache(s)
  const model = selectedModel(s)
  return config && model ? budgetOf(config, model) : null
}

export const presetLabel = (id: PresetId): string => presetById(id).label

/** The chosen preset's label: a calibrated one by its own name. */
export const chosenPresetLabel = (s: StudioSlices): string =>
  s.pickedCalibrated ? s.pickedCalibrated.label : presetLabel(s.preset)
