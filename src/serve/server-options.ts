import type { Provider } from '../shared/providers'
import type { ModelCatalog } from './catalog'
import type { JobQueue } from './jobs'

/** What the HTTP server (app.ts) and its routes work with; start.ts builds it. */
export interface ServerOptions {
  queue: JobQueue
  catalog: ModelCatalog
  token: string
  /** The provider every generation asks for (clients do not choose the server's hardware). */
  provider: Provider
  bodyLimit: number
  /** The model of a request that names none (default: the first image model listed). */
  defaultModel?: string
  /**
   * Where an embedded model's calibrated presets are (`studio calibrate --user-data`); default:
   * the app's user-data folder on this machine, as `studio calibrate` writes them.
   */
  userDataDir?: string
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024
