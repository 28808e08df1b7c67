import type { SliceCreator } from './types'

export const VIEWS = ['generate', 'compare', 'gallery', 'settings'] as const
export type StudioView = (typeof VIEWS)[number]

export interface UiSlice {
  view: StudioView
  /** Views link to each other (gallery → compare, gallery → generate), so the current one lives in the store. */
  setView: (view: StudioView) => void
}

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  view: 'generate',
  setView: (view) => set({ view })
})
