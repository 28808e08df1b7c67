import type { StudioApi } from '../../shared/api'
import { useStudioStore } from './store'
import { isEngineReady } from './store/selectors'

/**
 * Pushes main's events that belong to no job into the store from outside React (the engine's
 * status, Add model's progress), then asks for the current state (an event may have been sent
 * before the page subscribed). A job's progress is not routed here: the slice that starts a job
 * follows its events (slices/generation.ts, generateFollowing). Models are (re)loaded each time the
 * engine becomes ready, since a restarted engine may see other folders. Returns the unsubscribe.
 */
export function connectStudio(studio: StudioApi): () => void {
  const offStatus = studio.on('engineStatus', (engine) => useStudioStore.setState({ engine }))
  const offImport = studio.on('addModelProgress', (event) =>
    useStudioStore.getState().applyAddModelProgress(event)
  )
  const offReady = useStudioStore.subscribe((now, before) => {
    if (isEngineReady(now) && !isEngineReady(before)) void now.loadModels()
  })
  // Settings (the provider new runs use) and the gallery (stored runs Compare can reuse) don't
  // need the engine: load them now rather than when their view first opens.
  void useStudioStore.getState().loadSettings()
  // Notices after the gallery: listing it is what finds a corrupt entry.
  void useStudioStore
    .getState()
    .loadGallery()
    .then(() => useStudioStore.getState().loadNotices())
  void studio.getEngineStatus().then((reply) => {
    if (reply.ok) useStudioStore.setState({ engine: reply.value })
  })
  return () => {
    offStatus()
    offImport()
    offReady()
  }
}
