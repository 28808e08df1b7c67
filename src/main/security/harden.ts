import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron'
import { isTrustedUrl } from './trusted-url'

/**
 * The window's web preferences. The renderer is a web page with no Node: it reaches the app only
 * through the preload's `window.studio`, and devtools exist only in development.
 */
export function secureWebPreferences(
  preload: string,
  isDev: boolean
): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: isDev
  }
}

/** The page never navigates or opens windows: a link or script that tries is stopped here. */
export function blockNavigation(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

/** The studio needs no camera, microphone, notifications or anything else a site may ask for. */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}
