import type { CacheConfig } from '../../../shared/cache-config'
import { DBCache } from './dbcache'
import type { StepCache } from './seam'

/** The step cache for a resolved config (`resolveCacheConfig` in src/shared/presets.ts). */
export function createStepCache(config: CacheConfig): StepCache {
  return new DBCache(config)
}

export type { BlockRunner, CallInfo, StepCache, Streams } from './seam'
export { NonFiniteError } from './non-finite'
