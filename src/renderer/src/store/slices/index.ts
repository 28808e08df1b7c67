import { createCacheSlice } from './cache'
import { createCompareSlice } from './compare'
import { createGallerySlice } from './gallery'
import { createGenerationSlice } from './generation'
import { createModelsSlice } from './models'
import { createNoticesSlice } from './notices'
import { createPromptTokensSlice } from './prompt-tokens'
import { createSettingsSlice } from './settings'
import { createUiSlice } from './ui'
import type { SliceCreator, StudioSlices } from './types'

export type { StudioSlices } from './types'

/** Every studio slice in one creator, for the root store (beside the engine slice) and the tests. */
export const createStudioSlices: SliceCreator<StudioSlices> = (...a) => ({
  ...createGenerationSlice(...a),
  ...createCacheSlice(...a),
  ...createModelsSlice(...a),
  ...createGallerySlice(...a),
  ...createCompareSlice(...a),
  ...createSettingsSlice(...a),
  ...createUiSlice(...a),
  ...createNoticesSlice(...a),
  ...createPromptTokensSlice(...a)
})
