import { readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_SETTINGS, SettingsSchema, type Settings, type SettingsPatch } from '../../shared/settings'
import { describeIssues } from '../../shared/validation'
import { writeFileAtomic } from '../storage/atomic-write'
import { storageFailure } from '../storage/storage-failure'

/**
 * Settings as validated JSON in one file. A file that fails validation is kept (renamed aside)
 * and the defaults are used, so a bad edit never loses what was there and never stops the app.
 */
export class SettingsStore {
  readonly path: string
  #current: Settings = DEFAULT_SETTINGS
  #problem: string | null = null

  constructor(dir: string) {
    this.path = join(dir, 'settings.json')
  }

  /** Reads the file once at startup. */
  async load(): Promise<Settings> {
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
    await rename(this.path, keptAs)
    this.#problem = `${why} (kept as ${keptAs}; using defaults)`
    return (this.#current = DEFAULT_SETTINGS)
  }

  get(): Settings {
    return this.#current
  }

  /** Why the last load fell back to defaults, or null. */
  problem(): string | null {
    return this.#problem
  }

  /** Applies a validated patch and writes the whole file atomically. */
  async set(patch: SettingsPatch): Promise<Settings> {
    const next = SettingsSchema.parse({ ...this.#current, ...patch })
    try {
      await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n')
    } catch (e) {
      // The file still holds the previous settings, and so does the app: they stay in force.
      throw storageFailure(e, 'settings: could not save', this.path)
    }
    return (this.#current = next)
  }
}

function safeJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
}
