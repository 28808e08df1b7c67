import type { SettingsStore } from '../settings/settings-store'
import { EngineRouter, type EngineLike, type RouterEndpoint } from './engine-router'
import { engineTokens } from './engine-token'

/**
 * The engine the app's IPC handlers use: the local engine behind a router that reads Settings →
 * Engine on every call, so saving a remote engine (or going back to local) applies to the next
 * model list and generate, without a restart. A remote engine without a saved token is kept as
 * such (token null): the router refuses its calls and the status bar says what is missing.
 */
export function appEngine(local: EngineLike, settings: SettingsStore): EngineRouter {
  return new EngineRouter(local, (): RouterEndpoint => {
    const choice = settings.get().engine
    if (choice.mode === 'local') return choice
    return { mode: 'remote', url: choice.url, token: engineTokens(settings).get() }
  })
}
