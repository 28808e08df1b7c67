import type { EngineEndpoint } from '../../shared/engine-endpoint'
import { EngineFailure } from '../engine/errors'
import type { SettingsStore } from '../settings/settings-store'
import { EngineRouter, type EngineLike } from './engine-router'
import { engineTokens } from './engine-token'

/**
 * The engine the app's IPC handlers use: the local engine behind a router that reads Settings →
 * Engine on every call, so saving a remote engine (or going back to local) applies to the next
 * model list and generate, without a restart.
 */
export function appEngine(local: EngineLike, settings: SettingsStore): EngineRouter {
  return new EngineRouter(local, (): EngineEndpoint => {
    const choice = settings.get().engine
    if (choice.mode === 'local') return choice
    const token = engineTokens(settings).get()
    if (token === null) {
      throw new EngineFailure(
        'bad_request',
        `Settings → Engine: no token is saved for the remote engine at ${choice.url}; enter it and save`
      )
    }
    return { mode: 'remote', url: choice.url, token }
  })
}
