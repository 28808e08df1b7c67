import type { StudioApi, StudioCall, StudioEvent } from '../../../src/shared/api'

/**
 * The test `window.studio`: runs in the page before the app (playwright addInitScript) and
 * forwards each call to the Node side, where the real main-process handlers answer it. Events
 * come back through `window.__studioEmit`. Self-contained: playwright sends only its source.
 */
export function installStudioBridge(calls: readonly StudioCall[]): void {
  // Typed without the DOM library, so the Node-side harness compiles it too.
  type Page = {
    studio: StudioApi
    __studioInvoke: (call: StudioCall, params: unknown[]) => Promise<unknown>
    __studioEmit: (event: StudioEvent, payload: unknown) => void
  }
  const page = globalThis as unknown as Page
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const api: Record<string, unknown> = Object.fromEntries(
    calls.map((call) => [call, (...params: unknown[]) => page.__studioInvoke(call, params)])
  )
  api['on'] = (event: string, listener: (payload: unknown) => void) => {
    const set = listeners.get(event) ?? new Set()
    listeners.set(event, set)
    set.add(listener)
    return () => set.delete(listener)
  }
  page.__studioEmit = (event, payload) => listeners.get(event)?.forEach((l) => l(payload))
  page.studio = api as unknown as StudioApi
}
