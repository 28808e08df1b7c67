import type { EngineLike } from '../../src/main/remote/engine-router'
import type { EngineHostStatus } from '../../src/shared/engine-status'
import type { ModelInfo } from '../../src/shared/manifest'

/**
 * This machine's engine while Settings → Engine is remote, reduced to what the remote tests let
 * it do: report `status` and, where given, list `models`; any other call (a generate, a token
 * count) fails the test, for it must go to the server.
 */
export function remoteOnlyLocal(
  options: { status?: EngineHostStatus; models?: () => ModelInfo[] } = {}
): EngineLike {
  const status = options.status ?? {
    state: 'ready',
    error: null,
    restarts: 0,
    gaveUp: false,
    version: '1',
    providers: []
  }
  return {
    start: () => undefined,
    restart: () => undefined,
    status: () => status,
    onStatus: () => () => undefined,
    request: async (method: string) => {
      if (method === 'listModels' && options.models) return options.models()
      throw new Error(`the local engine was asked ${method} while the engine is remote`)
    },
    generate: async () => {
      throw new Error('the local engine must not generate while the engine is remote')
    },
    importModel: async () => {
      throw new Error('the local engine must not import here')
    },
    dispose: async () => undefined
  } as unknown as EngineLike
}
