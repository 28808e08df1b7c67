import { readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_SETTINGS, SettingsSchema, type Settings, type SettingsPatch } from '../../shared/settings'
import { describeIssues } from '../../shared/validation'
import { removeStrayTemps, writeFileAtomic } from '../engine/atomic-write'
import { storageFailure } from '../../shared/failure'

const FILE = 'settings.json'

/**
 * Settings as validated JSON in one file. A file that fails validation is kept (renamed aside)
 * and the defaults are used, so a bad edit never loses what was there and never stops the app;
 * problem() says so, and the app shows it (listNotices).
 */
export class SettingsStore {
  readonly path: string
  readonly #dir: string
  #current: Settings = DEFAULT_SETTINGS
  #problem: string | null = null
  /** Changes one after another: each reads the settings the one before it wrote. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(dir: string) {
    this.#dir = dir
    this.path = join(dir, FILE)
  }

  /** Reads the file once at startup, after removing the temp files a crash left mid-save. */
  async load(): Promise<Settings> {
    await removeStrayTemps(this.#dir, FILE).catch(() => undefined) // a leftover never stops the app
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch {
      return (this.#current = DEFAULT_SETTINGS) // first run
    }
    const parsed = safeJson(text)
    const settings = parsed.ok ? SettingsSchema.safeParse(parsed.value) : undefined
    if (settings?.success) return (this.#current = settings.data)
    const why = parsed.ok
      ? describeIssues('settings.json', settings!.error!)
      : `settings.json: ${parsed.error}`
    const keptAs = `${this.path}.invalid-${Date.now()}`
    try {
      await rename(this.path, keptAs)
      this.#problem = `${why} (kept as ${keptAs}; using defaults)`
    } catch (e) {
      this.#problem = `${why} (could not be kept aside: ${e instanceof Error ? e.message : String(e)}; using defaults)`
    }
    return (this.#current = DEFAULT_SETTINGS)
  }

  get(): Settings {
    return this.#current
  }

  /** Why the last load fell back to defaults, or null. */
  problem(): string | null {
    return this.#problem
  }

  /**
   * Applies a validated patch and writes the whole file atomically. Patches sent together are
   * applied in turn, each on top of the last, so no change overwrites another made at the same time.
   */
  async set(patch: SettingsPatch): Promise<Settings> {
    return (await this.change(patch)).after
  }

  /** set(), answering the settings the patch was applied to as well. */
  change(patch: SettingsPatch): Promise<{ before: Settings; after: Settings }> {
    const run = this.#queue.then(async () => {
      const before = this.#current
      const next = SettingsSchema.parse({ ...before, ...patch })
      try {
        await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n')
      } catch (e) {
        // The file still holds the previous settings, and so does the app: they stay in force.
        throw storageFailure(e, 'settings: could not save', this.path)
      }
      this.#current = next
      return { before, after: next }
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}

function safeJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
}
