import { BrowserWindow } from 'electron'
import { join } from 'node:path'
import { blockNavigation, secureWebPreferences } from './security/harden'

/** The studio window. Its page is loaded by the caller once IPC handlers are in place. */
export function createMainWindow(isDev: boolean): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Cache Studio',
    backgroundColor: '#0d0e11',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(join(__dirname, '../preload/index.cjs'), isDev)
  })
  blockNavigation(window.webContents)
  // Show when painted, so the user never sees a white flash before the dark frame.
  window.once('ready-to-show', () => window.show())
  return window
}

/** Shows the studio window to a user who started the app again: restored if minimised, focused. */
export function bringToFront(window: BrowserWindow): void {
  if (window.isDestroyed()) return
  if (window.isMinimized()) window.restore()
  window.focus()
}
