import { createCacheSlice } from './cache'
import { createCompareSlice } from './compare'
import { createEngineSlice } from './engine'
import { createGallerySlice } from './gallery'
import { createGenerationSlice } from './generation'
import { createModelsSlice } from './models'
import { createNoticesSlice } from './notices'
import { createPromptTokensSlice } from './prompt-tokens'
import { createSettingsSlice } from './settings'
import { createUiSlice } from './ui'
import type { SliceCreator, StudioSlices } from './types'

export type { StudioSlices } from './types'

/** Every slice in one creator, for the root store and the tests. */
export const createStudioSlices: SliceCreator<StudioSlices> = (...a) => ({
  ...createEngineSlice(...a),
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
