import type { EngineInfo } from '../../shared/engine-endpoint'
import { handleCall } from '../ipc/handle'
import type { Services } from '../ipc/services'
import { engineTokens } from './engine-token'
import { RemoteEngine } from './remote-engine'

/**
 * Settings → Engine: which engine generates (local, or a server's URL with its token), and
 * "test connection". The token is saved (encrypted) before the choice that needs it, and is
 * never sent back to the renderer; settings.json gets the mode and the URL only.
 */
export function registerEndpointHandlers({ settings, engine }: Services): void {
  const tokens = engineTokens(settings)
  const info = (): EngineInfo => ({
    engine: settings.get().engine,
    tokenSaved: tokens.get() !== null,
    tokenStorage: tokens.storage()
  })

  handleCall('getEngine', () => info())

  handleCall('setEngine', async (choice) => {
    if (choice.mode === 'remote') {
      if (choice.token !== undefined) await tokens.set(choice.token)
      await settings.set({ engine: { mode: 'remote', url: trimmed(choice.url) } })
    } else {
      // The token stays saved: going back to the remote engine later needs no re-entry.
      await settings.set({ engine: { mode: 'local' } })
    }
    // The status bar follows at once: the server is watched from now, or no longer.
    engine.endpointChanged?.()
    return info()
  })

  handleCall('testEngine', ({ url, token }) => {
    // The saved token goes only to the server it was saved for, never to a URL typed since.
    const saved = settings.get().engine
    const sameServer = saved.mode === 'remote' && trimmed(saved.url) === trimmed(url)
    return new RemoteEngine({ url, token: token ?? (sameServer ? (tokens.get() ?? '') : '') }).probe()
  })
}

const trimmed = (url: string): string => url.replace(/\/+$/, '')
