import { create, type StateCreator } from 'zustand'
import { createEngineSlice, type EngineSlice } from './engine-slice'
import { createStudioSlices, type StudioSlices } from './slices'

/**
 * The studio's one store, made of slices (zustand's slices pattern): the shell's engine slice and
 * the studio's (generation, cache, models, gallery, compare, settings, ui). Middleware, if any,
 * wraps this root once. Main's events come in through connectStudio, outside React.
 */
export type StudioState = EngineSlice & StudioSlices

// The studio slices are typed against StudioSlices alone; the root store is a superset of it.
const studioSlices = createStudioSlices as unknown as StateCreator<StudioState, [], [], StudioSlices>

export const useStudioStore = create<StudioState>()((...a) => ({
  ...createEngineSlice(...a),
  ...studioSlices(...a)
}))
