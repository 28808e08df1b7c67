import { describe, expect, it, vi } from 'vitest'
import type { Session } from 'electron'
import { denyPermissions } from '../../src/main/security/harden'
import { isTrustedUrl, rendererEntry, trustRenderer } from '../../src/main/security/trusted-url'
import { createMainWindow } from '../../src/main/window'
import { FakeBrowserWindow } from './electron-mock'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

const APP = new URL('app://studio/index.html')

function navigation(url: string, event = 'will-navigate'): boolean {
  const window = FakeBrowserWindow.last!
  const preventDefault = vi.fn()
  window.webContents.emit(event, { preventDefault }, url)
  return preventDefault.mock.calls.length === 0
}

describe('main window', () => {
  trustRenderer(APP)

  it('is isolated, sandboxed, without Node, with the preload as its only bridge', () => {
    createMainWindow(false)
    const prefs = FakeBrowserWindow.last!.options['webPreferences']
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
      preload: expect.stringMatching(/preload[/\\]index\.cjs$/)
    })
  })

  it('has devtools only in development', () => {
    createMainWindow(true)
    expect(FakeBrowserWindow.last!.options['webPreferences']).toMatchObject({ devTools: true })
  })

  it('blocks navigation and redirects away from the app page, allows the page itself', () => {
    createMainWindow(false)
    expect(navigation('https://example.com/')).toBe(false)
    expect(navigation('file:///etc/passwd')).toBe(false)
    expect(navigation('https://example.com/', 'will-redirect')).toBe(false)
    expect(navigation(`${APP.href}#gallery`)).toBe(true)
  })

  it('denies window.open for every url', () => {
    createMainWindow(false)
    const handler = FakeBrowserWindow.last!.webContents.windowOpenHandler!
    expect(handler({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    expect(handler({ url: APP.href })).toEqual({ action: 'deny' })
  })
})

describe('permissions', () => {
  it('denies every permission request and check', () => {
    const handlers: Record<string, (...args: never[]) => unknown> = {}
    const session = {
      setPermissionRequestHandler: (h: (...args: never[]) => unknown) => (handlers.request = h),
      setPermissionCheckHandler: (h: (...args: never[]) => unknown) => (handlers.check = h),
      setDevicePermissionHandler: (h: (...args: never[]) => unknown) => (handlers.device = h)
    }
    denyPermissions(session as unknown as Session)
    const callback = vi.fn()
    const request = handlers.request as (c: unknown, p: string, cb: (granted: boolean) => void) => void
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read'])
      request({}, permission, callback)
    expect(callback.mock.calls).toEqual([[false], [false], [false], [false]])
    expect((handlers.check as () => boolean)()).toBe(false)
    expect((handlers.device as () => boolean)()).toBe(false)
  })
})

describe('trusted renderer url', () => {
  it('trusts the app:// page in production and the dev server origin in a development build', () => {
    const built = rendererEntry({ devBuild: false, env: {} })
    expect(built.href).toBe('app://studio/index.html')
    expect(isTrustedUrl('app://studio/index.html?x#y', built)).toBe(true)
    expect(isTrustedUrl('file:///opt/studio/out/renderer/index.html', built)).toBe(false)
    const dev = rendererEntry({ devBuild: true, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } })
    expect(isTrustedUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true)
    expect(isTrustedUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isTrustedUrl('not a url', dev)).toBe(false)
  })
})
