import { safeStorage } from 'electron'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { storageFailure } from '../../shared/failure'
import type { SettingsStore } from '../settings/settings-store'
import { writeFileAtomic } from '../engine/atomic-write'

const FILE = 'engine-token.bin'

/**
 * The remote engine's bearer token, kept out of settings.json: encrypted with Electron's
 * safeStorage (the OS keychain, DPAPI or the desktop's secret service) in its own file beside the
 * settings. Where the OS offers no such storage, the token is held for this session only and
 * never written, so it is never on disk in the clear. Read once, then kept in memory, so the
 * engine router can ask for it on every call.
 */
export class EngineTokenStore {
  readonly path: string
  #token: string | null | undefined
  #session = false

  constructor(dir: string) {
    this.path = join(dir, FILE)
  }

  /** The token, or null when none is kept (or the file no longer decrypts: a new OS account). */
  get(): string | null {
    if (this.#token !== undefined) return this.#token
    let bytes: Buffer
    try {
      bytes = readFileSync(this.path)
    } catch {
      return (this.#token = null)
    }
    try {
      this.#token = safeStorage.isEncryptionAvailable() ? safeStorage.decryptString(bytes) : null
    } catch {
      this.#token = null
    }
    return this.#token
  }

  storage(): 'encrypted' | 'session' {
    return this.#session || !safeStorage.isEncryptionAvailable() ? 'session' : 'encrypted'
  }

  async set(token: string): Promise<void> {
    if (!safeStorage.isEncryptionAvailable()) {
      this.#session = true
      await rm(this.path, { force: true })
      this.#token = token
      return
    }
    try {
      await writeFileAtomic(this.path, safeStorage.encryptString(token))
    } catch (e) {
      throw storageFailure(e, 'engine token: could not save', this.path)
    }
    this.#session = false
    this.#token = token
  }
}

const stores = new WeakMap<SettingsStore, EngineTokenStore>()

/** The one token store of a settings store (beside its settings.json), shared by the router and the handlers. */
export function engineTokens(settings: SettingsStore): EngineTokenStore {
  let store = stores.get(settings)
  if (!store) stores.set(settings, (store = new EngineTokenStore(dirname(settings.path))))
  return store
}
