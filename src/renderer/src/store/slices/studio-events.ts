import type { StoreApi } from 'zustand'
import { studio } from './studio-api'
import type { StudioSlices } from './types'

/**
 * Pushes main's generate progress into the store, outside React: the generate view's job and the
 * compare view's uncached run each take the events of their own job id. Returns the unsubscribe.
 */
export function connectProgressEvents(store: Pick<StoreApi<StudioSlices>, 'getState'>): () => void {
  return studio().on('generateProgress', ({ jobId, event }) => {
    const s = store.getState()
    s.applyProgress(jobId, event)
    s.applyCompareProgress(jobId, event)
  })
}
