import { app, BrowserWindow, session } from 'electron'
import { join } from 'node:path'
import { createEngineHost } from './engine-setup'
import { GalleryStore } from './gallery/gallery-store'
import { registerIpcHandlers } from './ipc/register'
import { blockNavigation, denyPermissions } from './security/harden'
import { rendererEntry, trustRenderer } from './security/trusted-url'
import { SettingsStore } from './settings/settings-store'
import { createMainWindow } from './window'

const isDev = !app.isPackaged && process.env['ELECTRON_RENDERER_URL'] !== undefined

// 1. One instance: two would share the gallery folder and the engine's cores.
if (!app.requestSingleInstanceLock()) app.quit()

// 2. Every web contents, present or future, can't navigate away or open windows.
app.on('web-contents-created', (_event, contents) => blockNavigation(contents))

app.whenReady().then(async () => {
  // 3. No web permission is ever granted.
  denyPermissions(session.defaultSession)

  // 4. Settings, then the engine (it starts loading while the window opens).
  const settings = new SettingsStore(app.getPath('userData'))
  await settings.load()
  const engine = createEngineHost(settings)
  engine.start()

  // 5. IPC handlers before the page loads, so its first calls find them.
  let window: BrowserWindow | undefined
  const galleries = new Map<string, Promise<GalleryStore>>()
  registerIpcHandlers({
    engine,
    settings,
    window: () => window,
    gallery: () => {
      const root = settings.get().outputDir ?? join(app.getPath('userData'), 'gallery')
      if (!galleries.has(root)) galleries.set(root, openGallery(root))
      return galleries.get(root)!
    }
  })

  // 6. The window, loading only the app's own page.
  const entry = rendererEntry()
  trustRenderer(entry)
  const openWindow = async (): Promise<void> => {
    const opened = createMainWindow(isDev)
    window = opened
    opened.on('closed', () => (window = undefined))
    await opened.loadURL(entry.href)
  }
  await openWindow()

  // 7. Quit with the last window, except on macOS, where the dock icon reopens it.
  app.on('window-all-closed', () => process.platform !== 'darwin' && app.quit())
  app.on('activate', () => void (window ? undefined : openWindow()))
  app.on('before-quit', () => void engine.dispose())
})

async function openGallery(root: string): Promise<GalleryStore> {
  const store = new GalleryStore(root)
  await store.open()
  return store
}
