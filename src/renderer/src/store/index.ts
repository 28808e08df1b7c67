import { create } from 'zustand'
import { createStudioSlices } from './slices'
import type { StudioSlices } from './slices/types'

/**
 * The studio's one store, made of slices (zustand's slices pattern): engine, generation, cache,
 * models, gallery, compare, settings, ui, notices and prompt tokens, each in slices/. Middleware,
 * if any, wraps this root once. Main's events come in through connectStudio, outside React.
 */
export type StudioState = StudioSlices

export const useStudioStore = create<StudioState>()((...a) => createStudioSlices(...a))
