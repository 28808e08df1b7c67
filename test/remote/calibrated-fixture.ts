import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CalibratedPreset } from '../../src/shared/calibrated-presets'
import { saveCalibratedPreset } from '../../src/main/engine/calibrated-store'
import { FIXTURE_MODELS } from '../serve/studio-process'

/** A calibrated preset as `studio calibrate` saves one (the fields a test changes given). */
export function calibratedPreset(over: Partial<CalibratedPreset> = {}): CalibratedPreset {
  return {
    modelId: 'tiny-mine',
    label: 'F1B0 calibrated (PSNR ≥ 30 dB)',
    base: 'F1B0',
    overrides: { residualDiffThreshold: 0.21 },
    targetPsnrDb: 30,
    criterion: 'pooled',
    measured: { psnrPooled: 30.4, psnrMean: 31.2, psnrMin: 29.5, theoreticalSpeedup: 2.1 },
    prompts: ['a red circle at the center on a blue background'],
    seeds: [100],
    steps: 12,
    createdAt: '2026-11-25T08:00:00.000Z',
    engineVersion: '0.1.0',
    ...over
  }
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
