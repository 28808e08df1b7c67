import { handleCall, sendEvent } from './handle'
import type { Services } from './services'

/** Engine status (pushed on every change), manual restart, and the providers it can use. */
export function registerEngineHandlers({ engine, window }: Services): void {
  engine.onStatus((status) => sendEvent(window()?.webContents, 'engineStatus', status))
  handleCall('getEngineStatus', () => engine.status())
  handleCall('restartEngine', () => {
    engine.restart()
    return engine.status()
  })
  handleCall('listProviders', async () => (await engine.request('status', {})).providers)
}
