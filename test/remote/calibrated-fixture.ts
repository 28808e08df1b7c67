import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CalibratedPreset } from '../../src/shared/calibrated-presets'
import { saveCalibratedPreset } from '../../src/main/engine/calibrated-store'
import { FIXTURE_MODELS } from '../serve/studio-process'
import { calibratedPreset as sharedPreset } from '../calibrated-preset'

/** A calibrated preset of the user model `tiny-mine` (the fields a test changes given). */
export function calibratedPreset(over: Partial<CalibratedPreset> = {}): CalibratedPreset {
  return sharedPreset({ modelId: 'tiny-mine', ...over })
}

/**
 * A user model `tiny-mine` (the tiny-image fixture under another id) in `modelsDir`, with these
 * presets saved in its folder by the writer `studio calibrate` uses. Its folder.
 */
export async function userModelWithPresets(modelsDir: string, presets: CalibratedPreset[]): Promise<string> {
  const dir = join(modelsDir, 'tiny-mine')
  await cp(join(FIXTURE_MODELS, 'tiny-image'), dir, { recursive: true })
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
  await writeFile(join(dir, 'model.json'), JSON.stringify({ ...manifest, id: 'tiny-mine' }))
  for (const p of presets) await saveCalibratedPreset(join(dir, 'calibrated-presets.json'), p)
  return dir
}
