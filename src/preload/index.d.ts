import type { StudioApi } from '../shared/api'

declare global {
  interface Window {
    /** The preload's bridge to main: the whole of the renderer's access to the app. */
    studio: StudioApi
  }
}
