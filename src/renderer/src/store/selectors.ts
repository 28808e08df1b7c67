import type { EngineState } from '../../../shared/engine-status'
import type { StudioSlices as StudioState } from './slices/types'

/** The engine state the status bar shows; `starting` until main has said anything. */
export const engineState = (s: StudioState): EngineState => s.engine?.state ?? 'starting'

/**
 * Whether the engine in use answers: this app's, or the remote one while Settings → Engine is
 * remote (connect.ts reloads the models each time this becomes true, e.g. a server back after a loss).
 */
export const isEngineReady = (s: StudioState): boolean => {
  const remote = s.engine?.remote
  if (remote) return remote.state === 'ready' || remote.state === 'busy'
  return s.engine?.state === 'ready' || s.engine?.state === 'busy'
}

export const canRestartEngine = (s: StudioState): boolean =>
  s.engine?.state === 'crashed' || s.engine?.state === 'stopped'

/** Why the engine cannot take a generate now, in words; null when it can (busy queues the request). */
export function whyEngineCannotRun(s: StudioState): string | null {
  // A remote engine generates whatever this app's engine is doing. A lost connection does not
  // stop a try (the server may be back; if not, the run says so); no usable token does.
  const remote = s.engine?.remote
  if (remote) return remote.state === 'refused' ? `Remote engine: ${remote.error ?? 'not usable'}` : null
  switch (engineState(s)) {
    case 'ready':
    case 'busy':
      return null
    case 'starting':
      return 'Engine starting…'
    case 'restarting':
      return 'Engine restarting…'
    case 'crashed':
      return s.engine?.gaveUp
        ? 'Engine crashed: restart it from the status bar'
        : 'Engine crashed, restarting…'
    case 'stopped':
      return 'Engine stopped: restart it from the status bar'
  }
}
