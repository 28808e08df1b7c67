import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { BrowserWindow } from 'electron'
import { callChannel, type StudioCall, type StudioEvent } from '../../../src/shared/api'
import { EngineHost } from '../../../src/main/engine-host/engine-host'
import { GalleryStore } from '../../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../../src/main/ipc/register'
import { appEngine } from '../../../src/main/remote/app-engine'
import { trustRenderer } from '../../../src/main/security/trusted-url'
import { SettingsStore } from '../../../src/main/settings/settings-store'
import { FIXTURE_MODELS, realEngineSpawner } from '../../engine-host/real-engine'
import { electronMock } from '../../main/electron-mock'

/** The app's embedded models (once trained and committed) beside the test fixtures, as the app lists them. */
export const EMBEDDED_MODELS = resolve('resources/models')
const STUDIO_MODEL_DIRS = existsSync(EMBEDDED_MODELS) ? [EMBEDDED_MODELS, FIXTURE_MODELS] : [FIXTURE_MODELS]

export interface StudioBackend {
  engine: EngineHost
  /** The app's models folder, where Add model writes the packages it imports. */
  modelsDir: string
  invoke(call: StudioCall, params: unknown[]): Promise<unknown>
  /** Where main's events go: the page, once a test has one. */
  onEvent(send: (event: StudioEvent, payload: unknown) => void): void
  close(): Promise<void>
}

/**
 * The main process without Electron: the real IPC handlers (registered on the mocked ipcMain),
 * the real EngineHost with the engine in a forked Node child, settings and gallery in a temp dir.
 */
export async function startStudioBackend(appUrl: string): Promise<StudioBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'studio-e2e-'))
  const settings = new SettingsStore(dir)
  await settings.load()
  const gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  const engine = new EngineHost(realEngineSpawner(STUDIO_MODEL_DIRS))
  let send: (event: StudioEvent, payload: unknown) => void = () => undefined
  const webContents = {
    isDestroyed: () => false,
    send: (channel: string, payload: unknown) =>
      send(channel.replace('studio:event:', '') as StudioEvent, payload)
  }
  trustRenderer(new URL(appUrl))
  registerIpcHandlers({
    // As index.ts builds it: the local engine behind the router Settings → Engine steers.
    engine: appEngine(engine, settings),
    settings,
    gallery: async () => gallery,
    window: () => ({ webContents }) as unknown as BrowserWindow,
    // Add model imports ONNX diffusers folders into the app's models folder: here, the temp dir.
    modelsDir: () => join(dir, 'models')
  })
  engine.start()
  return {
    engine,
    modelsDir: join(dir, 'models'),
    async invoke(call, params) {
      const handler = electronMock.handlers.get(callChannel(call))
      if (!handler) throw new Error(`no handler for ${call}`)
      return handler({ senderFrame: { url: appUrl } }, ...params)
    },
    onEvent: (sender) => void (send = sender),
    async close() {
      await engine.dispose()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
