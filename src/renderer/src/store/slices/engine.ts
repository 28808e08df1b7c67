import type { EngineSlice, SliceCreator } from './types'

export const createEngineSlice: SliceCreator<EngineSlice> = (set) => ({
  engine: null,
  engineCallError: null,
  restartEngine: async () => {
    const reply = await window.studio.restartEngine()
    set(reply.ok ? { engine: reply.value, engineCallError: null } : { engineCallError: reply.error.message })
  }
})
