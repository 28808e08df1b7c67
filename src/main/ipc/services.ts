import type { BrowserWindow } from 'electron'
import type { EngineLike } from '../remote/engine-router'
import type { GalleryStore } from '../gallery/gallery-store'
import type { SettingsStore } from '../settings/settings-store'

/** What the IPC handlers work with; index.ts builds it once at startup. */
export interface Services {
  /** The local engine, or the router in front of it (remote/app-engine.ts) that Settings → Engine steers. */
  engine: EngineLike
  settings: SettingsStore
  /**
   * The gallery in the current output folder (it follows the outputDir setting), or in `outputDir`
   * (setSettings opens a new folder before saving it). A folder that failed to open is tried again.
   */
  gallery(outputDir?: string): Promise<GalleryStore>
  window(): BrowserWindow | undefined
  /**
   * The app's own models folder, where Add model writes the packages it imports (default:
   * `<userData>/models`; tests give a temporary one).
   */
  modelsDir?(): string
}
