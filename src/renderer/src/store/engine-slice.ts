import type { StateCreator } from 'zustand'
import type { EngineHostStatus } from '../../../shared/engine-status'
import type { StudioState } from './index'

/** The engine as the main process reports it; pushed in by connectStudio on every change. */
export interface EngineSlice {
  engine: EngineHostStatus | null
  /** Why the last engine call from the UI failed (e.g. a restart refused). */
  engineCallError: string | null
  restartEngine: () => Promise<void>
}

export const createEngineSlice: StateCreator<StudioState, [], [], EngineSlice> = (set) => ({
  engine: null,
  engineCallError: null,
  restartEngine: async () => {
    const reply = await window.studio.restartEngine()
    set(reply.ok ? { engine: reply.value, engineCallError: null } : { engineCallError: reply.error.message })
  }
})
