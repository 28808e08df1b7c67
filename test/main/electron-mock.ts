import { EventEmitter } from 'node:events'
import { vi } from 'vitest'

/**
 * What the main-process code uses of electron, recorded so tests can call the registered IPC
 * handlers and inspect window options and security handlers. Used via vi.mock('electron').
 */
export type IpcHandler = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown

export const electronMock = {
  handlers: new Map<string, IpcHandler>(),
  dialogResult: { canceled: true, filePaths: [] as string[] }
}

/** Keeps the options a window was made with; its webContents records listeners like the real one. */
export class FakeBrowserWindow extends EventEmitter {
  static last: FakeBrowserWindow | undefined
  readonly webContents = new FakeWebContents()
  constructor(readonly options: Record<string, unknown>) {
    super()
    FakeBrowserWindow.last = this
  }
}

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }
}

export function electronModule(): Record<string, unknown> {
  return {
    ipcMain: {
      handle: (channel: string, handler: IpcHandler) => electronMock.handlers.set(channel, handler)
    },
    dialog: { showOpenDialog: vi.fn(async () => electronMock.dialogResult) },
    app: { isPackaged: false, getAppPath: () => process.cwd(), getPath: () => process.cwd() },
    utilityProcess: { fork: vi.fn() },
    BrowserWindow: FakeBrowserWindow
  }
}
