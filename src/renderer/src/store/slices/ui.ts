import type { SliceCreator, UiSlice } from './types'

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  view: 'generate',
  setView: (view) => set({ view })
})
