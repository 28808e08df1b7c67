import { EventEmitter } from 'node:events'
import { tmpdir } from 'node:os'
import { afterEach, describe, expect, it, vi } from 'vitest'

/**
 * src/main/index.ts run as Electron would run it, with electron replaced at the module boundary
 * and the engine, settings and IPC registration recorded instead of started. Each test imports
 * the startup afresh (it is a script: its effects happen on import).
 */
class FakeWindow extends EventEmitter {
  minimized = false
  readonly webContents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() })
  readonly loadURL = vi.fn(async (_url: string) => undefined)
  readonly restore = vi.fn(() => void (this.minimized = false))
  readonly focus = vi.fn()
  readonly show = vi.fn()
  constructor(readonly options: Record<string, unknown>) {
    super()
  }
  isMinimized(): boolean {
    return this.minimized
  }
  isDestroyed(): boolean {
    return false
  }
}

interface Startup {
  app: EventEmitter & Record<string, ReturnType<typeof vi.fn>>
  protocol: { registerSchemesAsPrivileged: ReturnType<typeof vi.fn>; handle: ReturnType<typeof vi.fn> }
  windows: FakeWindow[]
  engine: { start: ReturnType<typeof vi.fn>; dispose: ReturnType<typeof vi.fn> }
  createEngineHost: ReturnType<typeof vi.fn>
  registerIpcHandlers: ReturnType<typeof vi.fn>
}

async function startMain(options: { lock: boolean; isPackaged?: boolean }): Promise<Startup> {
  vi.resetModules()
  const windows: FakeWindow[] = []
  const app = Object.assign(new EventEmitter(), {
    isPackaged: options.isPackaged ?? false,
    requestSingleInstanceLock: vi.fn(() => options.lock),
    quit: vi.fn(),
    whenReady: vi.fn(async () => undefined),
    getPath: vi.fn(() => tmpdir()),
    getAppPath: vi.fn(() => process.cwd())
  })
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() }
  const session = {
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn()
    }
  }
  class BrowserWindow extends FakeWindow {
    constructor(opts: Record<string, unknown>) {
      super(opts)
      windows.push(this)
    }
  }
  const engine = { start: vi.fn(), dispose: vi.fn(async () => undefined) }
  const createEngineHost = vi.fn(() => engine)
  const registerIpcHandlers = vi.fn()
  vi.doMock('electron', () => ({ app, protocol, session, BrowserWindow, ipcMain: { handle: vi.fn() } }))
  vi.doMock('../../src/main/engine-setup', () => ({ createEngineHost }))
  vi.doMock('../../src/main/ipc/register', () => ({ registerIpcHandlers }))
  vi.doMock('../../src/main/settings/settings-store', () => ({
    SettingsStore: class {
      load = async (): Promise<void> => undefined
      get = (): Record<string, unknown> => ({})
    }
  }))
  await import('../../src/main/index')
  return {
    app: app as unknown as Startup['app'],
    protocol,
    windows,
    engine,
    createEngineHost,
    registerIpcHandlers
  }
}

/** Waits until startup has loaded its page (or gives up: a test then fails on what is missing). */
async function loaded(startup: Startup, count = 1): Promise<void> {
  await vi.waitFor(() => {
    expect(startup.windows.length).toBe(count)
    expect(startup.windows[count - 1].loadURL).toHaveBeenCalled()
  })
}

afterEach(() => {
  vi.unstubAllEnvs()
  vi.doUnmock('electron')
})

describe('single-instance lock', () => {
  it('a second start quits at once: no window, no engine, no scheme, no handlers', async () => {
    const second = await startMain({ lock: false })
    await new Promise((resolve) => setTimeout(resolve, 20)) // let any startup chain run
    expect(second.app.quit).toHaveBeenCalledTimes(1)
    expect(second.app.whenReady).not.toHaveBeenCalled()
    expect(second.windows).toEqual([])
    expect(second.createEngineHost).not.toHaveBeenCalled()
    expect(second.registerIpcHandlers).not.toHaveBeenCalled()
    expect(second.protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled()
    expect(second.app.eventNames()).toEqual([])
  })

  it('the first instance restores and focuses its window when the app is started again', async () => {
    const first = await startMain({ lock: true })
    await loaded(first)
    const window = first.windows[0]
    window.minimized = true
    first.app.emit('second-instance', {}, ['studio'], process.cwd())
    expect(window.restore).toHaveBeenCalledTimes(1)
    expect(window.focus).toHaveBeenCalledTimes(1)
    expect(first.app.quit).not.toHaveBeenCalled()

    first.app.emit('second-instance', {}, ['studio'], process.cwd())
    expect(window.restore).toHaveBeenCalledTimes(1) // not minimised any more: only focused
    expect(window.focus).toHaveBeenCalledTimes(2)
    expect(first.windows.length).toBe(1)
    expect(first.engine.start).toHaveBeenCalledTimes(1)
  })

  it('reopens the window for a second start after its window was closed (macOS keeps running)', async () => {
    const first = await startMain({ lock: true })
    await loaded(first)
    first.windows[0].emit('closed')
    first.app.emit('second-instance', {}, ['studio'], process.cwd())
    await loaded(first, 2)
    expect(first.engine.start).toHaveBeenCalledTimes(1)
  })
})

describe('startup order and the page source', () => {
  it('registers app:// as privileged before ready and serves it after, then loads app://studio/index.html', async () => {
    const first = await startMain({ lock: true, isPackaged: true })
    await loaded(first)
    const { registerSchemesAsPrivileged, handle } = first.protocol
    expect(registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }
    ])
    expect(registerSchemesAsPrivileged.mock.invocationCallOrder[0]).toBeLessThan(
      first.app.whenReady.mock.invocationCallOrder[0]
    )
    expect(handle).toHaveBeenCalledWith('app', expect.any(Function))
    expect(first.registerIpcHandlers.mock.invocationCallOrder[0]).toBeLessThan(
      first.windows[0].loadURL.mock.invocationCallOrder[0]
    )
    expect(first.windows[0].loadURL).toHaveBeenCalledWith('app://studio/index.html')
  })

  it('a packaged build ignores ELECTRON_RENDERER_URL', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173')
    const packaged = await startMain({ lock: true, isPackaged: true })
    await loaded(packaged)
    expect(packaged.windows[0].loadURL).toHaveBeenCalledWith('app://studio/index.html')
    expect(packaged.windows[0].options['webPreferences']).toMatchObject({ devTools: false })
  })

  it('a production build run unpacked (electron-vite preview) ignores it too', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173')
    vi.stubEnv('DEV', false)
    const preview = await startMain({ lock: true, isPackaged: false })
    await loaded(preview)
    expect(preview.windows[0].loadURL).toHaveBeenCalledWith('app://studio/index.html')
  })

  it('a development build loads the dev server it names, with devtools', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173')
    const dev = await startMain({ lock: true, isPackaged: false })
    await loaded(dev)
    expect(dev.windows[0].loadURL).toHaveBeenCalledWith('http://localhost:5173/')
    expect(dev.windows[0].options['webPreferences']).toMatchObject({ devTools: true })
  })
})
