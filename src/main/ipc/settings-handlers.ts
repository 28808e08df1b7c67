import { handleCall } from './handle'
import type { Services } from './services'

/** Settings; a change of threads restarts the engine, since ORT reads it when sessions are made. */
export function registerSettingsHandlers({ settings, engine }: Services): void {
  handleCall('getSettings', () => settings.get())
  handleCall('setSettings', async (patch) => {
    const before = settings.get()
    const after = await settings.set(patch)
    if (after.threads !== before.threads) engine.restart()
    return after
  })
}
