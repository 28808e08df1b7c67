import { z } from 'zod'
import { CacheOverridesSchema } from './cache-config'
import { PRESET_IDS, presetById, type CachePreset } from './presets'

/**
 * Presets found by `studio calibrate`: the largest residual-diff threshold of a base preset that
 * keeps a model's outputs within a PSNR target of its uncached outputs. They are stored per
 * model (in a user model's folder, or the user-data folder for embedded models) and offered
 * beside the built-in presets. A calibrated preset runs as the `custom` preset with the base
 * preset's fields and the calibrated threshold as overrides, so the engine needs no new path.
 */

export const CALIBRATED_PRESETS_FILE = 'calibrated-presets.json'

export const CalibratedPresetSchema = z
  .object({
    modelId: z.string().min(1),
    /** Shown in preset lists, e.g. "F8B0 calibrated (PSNR ≥ 30 dB)". */
    label: z.string().min(1),
    base: z.enum(PRESET_IDS),
    /** On top of the base preset's own fields: the calibrated threshold. */
    overrides: CacheOverridesSchema,
    targetPsnrDb: z.number(),
    /** Which figure met the target: pooled over the set, mean of the samples' dB, or every sample. */
    criterion: z.enum(['pooled', 'mean', 'min']),
    /** What the calibration measured at this threshold on its prompt set. */
    measured: z.object({
      /** PSNR of the whole calibration set, from its mean squared error. */
      psnrPooled: z.number(),
      psnrMean: z.number(),
      psnrMin: z.number(),
      theoreticalSpeedup: z.number()
    }),
    prompts: z.array(z.string()),
    seeds: z.array(z.number().int()),
    steps: z.number().int(),
    createdAt: z.string(),
    engineVersion: z.string()
  })
  .strict()
export type CalibratedPreset = z.infer<typeof CalibratedPresetSchema>

export const CalibratedPresetsFileSchema = z
  .object({
    format: z.literal('cache-studio-calibrated-presets/1'),
    presets: z.array(CalibratedPresetSchema)
  })
  .strict()
export type CalibratedPresetsFile = z.infer<typeof CalibratedPresetsFileSchema>

/** The calibrated preset as a preset list entry: `custom` with the base's fields + threshold. */
export function calibratedAsPreset(c: CalibratedPreset): CachePreset {
  const base = presetById(c.base).overrides
  return {
    id: 'custom',
    label: c.label,
    description:
      `Calibrated for ${c.modelId}: ${c.base} with the largest threshold keeping PSNR ≥ ${c.targetPsnrDb} dB ` +
      `vs uncached (measured ${c.measured.psnrPooled.toFixed(1)} dB pooled, ${c.measured.psnrMin.toFixed(1)} dB worst, ` +
      `${c.measured.theoreticalSpeedup.toFixed(2)}× fewer block evaluations on ${c.prompts.length} prompts).`,
    overrides: {
      ...base,
      ...c.overrides,
      taylorSeer: { ...(base.taylorSeer ?? {}), ...(c.overrides.taylorSeer ?? {}) }
    }
  }
}

/** A model's calibrated presets among a file's (it may hold other models'), newest first. */
export function calibratedOfModel(
  modelId: string,
  calibrated: readonly CalibratedPreset[]
): CalibratedPreset[] {
  return calibrated
    .filter((c) => c.modelId === modelId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
}

/** Adds or replaces (same model, base and target) a calibrated preset in a file's list. */
export function withCalibrated(
  file: CalibratedPresetsFile | null,
  c: CalibratedPreset
): CalibratedPresetsFile {
  const kept = (file?.presets ?? []).filter(
    (p) => !(p.modelId === c.modelId && p.base === c.base && p.targetPsnrDb === c.targetPsnrDb)
  )
  return { format: 'cache-studio-calibrated-presets/1', presets: [...kept, c] }
}
