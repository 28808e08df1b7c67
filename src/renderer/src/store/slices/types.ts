import type { StateCreator } from 'zustand'
import type { CacheSlice } from './cache'
import type { CompareSlice } from './compare'
import type { GallerySlice } from './gallery'
import type { GenerationSlice } from './generation'
import type { ModelsSlice } from './models'
import type { NoticesSlice } from './notices'
import type { PromptTokensSlice } from './prompt-tokens'
import type { SettingsSlice } from './settings'
import type { UiSlice } from './ui'

/** The studio's slices (all but the shell's engine slice); each creator sees the whole of them. */
export type StudioSlices = GenerationSlice &
  CacheSlice &
  ModelsSlice &
  GallerySlice &
  CompareSlice &
  SettingsSlice &
  UiSlice &
  PromptTokensSlice &
  NoticesSlice

export type SliceCreator<T> = StateCreator<StudioSlices, [], [], T>
