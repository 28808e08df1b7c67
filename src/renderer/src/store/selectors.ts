import type { EngineState } from '../../../shared/engine-status'
import type { StudioSlices as StudioState } from './slices/types'

/** The engine state the status bar shows; `starting` until main has said anything. */
export const engineState = (s: StudioState): EngineState => s.engine?.state ?? 'starting'

export const isEngineReady = (s: StudioState): boolean =>
  s.engine?.state === 'ready' || s.engine?.state === 'busy'

export const canRestartEngine = (s: StudioState): boolean =>
  s.engine?.state === 'crashed' || s.engine?.state === 'stopped'

/** Why the engine cannot take a generate now, in words; null when it can (busy queues the request). */
export function whyEngineCannotRun(s: StudioState): string | null {
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
