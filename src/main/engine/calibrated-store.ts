import { mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  CALIBRATED_PRESETS_FILE,
  CalibratedPresetsFileSchema,
  withCalibrated,
  type CalibratedPreset,
  type CalibratedPresetsFile
} from '../../shared/calibrated-presets'
import { describeIssues } from '../../shared/validation'
import { writeFileAtomic } from './atomic-write'
import { EngineFailure } from './errors'
import { readRegular, RegularFileRefusal, type Refusal } from './model/safe-read'

/**
 * Where calibrated presets live: a user model's own folder (`<model>/calibrated-presets.json`),
 * or, for embedded models (read-only inside the app), the user-data folder — the same folder
 * Electron's `app.getPath('userData')` gives the app, so the CLI and the app share the file.
 */

/** Electron's default userData for an app named cache-studio, per platform. */
export function defaultUserDataDir(): string {
  if (process.env.CACHE_STUDIO_USER_DATA) return process.env.CACHE_STUDIO_USER_DATA
  const home = homedir()
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'cache-studio')
  if (process.platform === 'win32')
    return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'cache-studio')
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'cache-studio')
}

export function calibratedPresetsPath(modelDir: string, embedded: boolean, userDataDir: string): string {
  return join(embedded ? userDataDir : modelDir, CALIBRATED_PRESETS_FILE)
}

/** A file of a few hundred presets is well under this; anything larger is not one of ours. */
export const MAX_CALIBRATED_PRESETS_BYTES = 1024 * 1024

/**
 * The file's presets; none when it does not exist; an invalid file is an error naming it. The
 * file may sit in a downloaded model folder: only a regular file of a sane size is read (a FIFO
 * would hang the read, a link could point anywhere).
 */
export async function readCalibratedPresets(path: string): Promise<CalibratedPresetsFile | null> {
  let text: string
  try {
    text = new TextDecoder().decode(await readRegular(path, { maxBytes: MAX_CALIBRATED_PRESETS_BYTES }))
  } catch (e) {
    if (!(e instanceof RegularFileRefusal)) throw e
    if (e.refusal.kind === 'missing') return null
    throw presetsFileRefused(path, e.refusal)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new EngineFailure('bad_request', `${path}: not JSON (${(e as Error).message})`)
  }
  const parsed = CalibratedPresetsFileSchema.safeParse(json)
  if (!parsed.success) throw new EngineFailure('bad_request', describeIssues(path, parsed.error))
  return parsed.data
}

/** A presets file that cannot be read, in the words `studio calibrate` and the app show. */
function presetsFileRefused(path: string, r: Refusal): EngineFailure {
  switch (r.kind) {
    case 'too-large':
      return new EngineFailure(
        'bad_request',
        `${path}: ${r.size} bytes, more than the ${MAX_CALIBRATED_PRESETS_BYTES} a presets file may have`
      )
    case 'unreadable':
      return new EngineFailure('io', `${path}: cannot read it (${r.cause.message})`)
    case 'changed':
    case 'shrank':
      return new EngineFailure('io', `${path}: cannot read it (it changed while it was read)`)
    default:
      return new EngineFailure('bad_request', `${path}: not a regular file`)
  }
}

/** Adds the preset to the file (replacing one of the same model, base and target), atomically. */
export async function saveCalibratedPreset(path: string, preset: CalibratedPreset): Promise<void> {
  const next = withCalibrated(await readCalibratedPresets(path), preset)
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n')
}
