import type { EngineState } from '../../../shared/engine-status'
import type { StudioState } from './index'

/** The engine state the status bar shows; `starting` until main has said anything. */
export const engineState = (s: StudioState): EngineState => s.engine?.state ?? 'starting'

export const isEngineReady = (s: StudioState): boolean =>
  s.engine?.state === 'ready' || s.engine?.state === 'busy'

export const canRestartEngine = (s: StudioState): boolean =>
  s.engine?.state === 'crashed' || s.engine?.state === 'stopped'
