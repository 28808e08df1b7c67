import type { CalibratedPreset } from '../src/shared/calibrated-presets'

/** A calibrated preset as `studio calibrate` saves one; a test gives the fields it changes. */
export function calibratedPreset(over: Partial<CalibratedPreset> = {}): CalibratedPreset {
  return {
    modelId: 'tiny-image',
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
