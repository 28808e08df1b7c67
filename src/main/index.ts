import { app, BrowserWindow, protocol, session } from 'electron'
import { join } from 'node:path'
import { createEngineHost } from './engine-setup'
import { GalleryFolders } from './gallery/gallery-folders'
import { registerIpcHandlers } from './ipc/register'
import { appEngine } from './remote/app-engine'
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppFile } from './security/app-protocol'
import { blockNavigation, denyPermissions } from './security/harden'
import { rendererEntry, trustRenderer } from './security/trusted-url'
import { SettingsStore } from './settings/settings-store'
import { bringToFront, createMainWindow } from './window'

// `electron-vite dev` only: an unpacked development bundle. The dev server and devtools need it.
const devBuild = !app.isPackaged && import.meta.env.DEV
const rendererDir = join(__dirname, '../renderer')

// 1. One instance: two would share the gallery folder and the engine's cores. A second start
//    hands over to the first (its 'second-instance' below) and quits before making a window or
//    starting an engine.
if (app.requestSingleInstanceLock()) startStudio()
else app.quit()

function startStudio(): void {
  // 2. The page's own scheme, app://, privileged before ready (Electron accepts it only then).
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }])

  // 3. Every web contents, present or future, can't navigate away or open windows.
  app.on('web-contents-created', (_event, contents) => blockNavigation(contents))

  // 4. A second start of the app brings this one's window to the front (or reopens it on macOS).
  let window: BrowserWindow | undefined
  let openWindow: (() => Promise<void>) | undefined
  app.on('second-instance', () => (window ? bringToFront(window) : void openWindow?.()))

  app.whenReady().then(async () => {
    // 5. No web permission is ever granted.
    denyPermissions(session.defaultSession)

    // 6. Settings, then the engine (it starts loading while the window opens).
    const settings = new SettingsStore(app.getPath('userData'))
    await settings.load()
    const engine = createEngineHost(settings)
    engine.start()

    // 7. IPC handlers before the page loads, so its first calls find them.
    const galleries = new GalleryFolders()
    const studioEngine = appEngine(engine, settings)
    registerIpcHandlers({
      engine: studioEngine,
      settings,
      window: () => window,
      gallery: (outputDir) =>
        galleries.at(outputDir ?? settings.get().outputDir ?? join(app.getPath('userData'), 'gallery'))
    })

    // 8. The built page is served from app://studio/ out of the renderer folder; only that origin
    //    (or the dev server in a development build) may navigate and call IPC.
    protocol.handle(APP_SCHEME, (request) => serveAppFile(request, rendererDir))
    const entry = rendererEntry({ devBuild })
    trustRenderer(entry)

    // 9. The window, loading only the app's own page.
    openWindow = async () => {
      const opened = createMainWindow(devBuild)
      window = opened
      opened.on('closed', () => (window = undefined))
      await opened.loadURL(entry.href)
    }
    await openWindow()

    // 10. Quit with the last window, except on macOS, where the dock icon reopens it.
    app.on('window-all-closed', () => process.platform !== 'darwin' && app.quit())
    app.on('activate', () => void (window ? undefined : openWindow?.()))
    // The router stops watching a remote engine, then disposes the local one.
    app.on('before-quit', () => void studioEngine.dispose())
  })
}
