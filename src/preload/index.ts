import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  STUDIO_CALLS,
  STUDIO_EVENTS,
  callChannel,
  eventChannel,
  type StudioEvent
} from '../shared/api-channels'
import type { StudioApi } from '../shared/api'

// Forward exactly the calls and events of the shared contract; main validates every payload.
const calls = Object.fromEntries(
  STUDIO_CALLS.map((call) => [
    call,
    (...params: unknown[]) => ipcRenderer.invoke(callChannel(call), ...params)
  ])
)

function on(event: StudioEvent, listener: (payload: unknown) => void): () => void {
  if (!STUDIO_EVENTS.includes(event)) throw new Error(`window.studio.on: unknown event ${String(event)}`)
  const channel = eventChannel(event)
  const forward = (_: IpcRendererEvent, payload: unknown): void => listener(payload)
  ipcRenderer.on(channel, forward)
  return () => void ipcRenderer.removeListener(channel, forward)
}

const studio = { ...calls, on } as StudioApi

contextBridge.exposeInMainWorld('studio', studio)
