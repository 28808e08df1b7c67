import { EventEmitter } from 'node:events'
import { vi } from 'vitest'
import type { ApiResult } from '../../src/shared/api'

/**
 * What the main-process code uses of electron, recorded so tests can call the registered IPC
 * handlers and inspect window options and security handlers. Used via vi.mock('electron').
 */
export type IpcHandler = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown

/** The page the tests' calls come from; each test trusts it (ipc/handle.ts's trustRenderer). */
export const APP_URL = 'app://studio/index.html'

export const electronMock = {
  handlers: new Map<string, IpcHandler>(),
  dialogResult: { canceled: true, filePaths: [] as string[] },
  /** Whether the fake safeStorage has an OS secret store to encrypt with. */
  encryptionAvailable: true
}

/** safeStorage without an OS keychain: a reversible scramble that never holds the plaintext bytes. */
const SAFE_PREFIX = 'fake-safe-storage:'
const fakeSafeStorage = {
  isEncryptionAvailable: () => electronMock.encryptionAvailable,
  encryptString: (text: string) =>
    Buffer.from(SAFE_PREFIX + Buffer.from(Buffer.from(text).map((b) => b ^ 0x5a)).toString('base64')),
  decryptString: (bytes: Buffer) => {
    const text = bytes.toString()
    if (!text.startsWith(SAFE_PREFIX)) throw new Error('Error while decrypting the ciphertext provided')
    return Buffer.from(Buffer.from(text.slice(SAFE_PREFIX.length), 'base64').map((b) => b ^ 0x5a)).toString()
  }
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
    safeStorage: fakeSafeStorage,
    BrowserWindow: FakeBrowserWindow
  }
}

/** Calls the handler main registered for `name` as the app's page does (through ipc/handle.ts's door). */
export async function ipcCall<T = unknown>(name: string, ...args: unknown[]): Promise<ApiResult<T>> {
  const handler = electronMock.handlers.get(`studio:call:${name}`)
  if (!handler) throw new Error(`no handler for ${name}`)
  return (await handler({ senderFrame: { url: APP_URL } }, ...args)) as ApiResult<T>
}
