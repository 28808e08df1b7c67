import { CALIBRATED_PRESETS_FILE, type CalibratedPreset } from '../../shared/calibrated-presets'
import { ENGINE_VERSION } from '../../shared/engine-protocol'
import { PRESET_IDS, type PresetId } from '../../shared/presets'
import { examplePrompts } from '../../shared/prompt-grammar'
import { baseThreshold, calibrate, criterionValue, CRITERIA, type Probe } from '../../bench/calibrate'
import {
  calibratedPresetsPath,
  defaultUserDataDir,
  saveCalibratedPreset
} from '../../main/engine/calibrated-store'
import { readManifest } from '../../main/engine/model/manifest-file'
import { listModels } from '../../main/engine/model/registry'
import { intFlag, numberFlag, commandFlags } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'

/**
 * `studio calibrate --model M --target-psnr 30`: the largest threshold of a preset that keeps the
 * model's outputs within the PSNR target of uncached ones on a calibration prompt set (not the
 * bench's prompts), printed and saved as a preset the app offers for that model.
 */

export const CALIBRATE_USAGE = `Usage: studio calibrate [--model ID|FOLDER] --target-psnr DB [options]
  --base PRESET      preset whose threshold is calibrated (default F8B0)
  --criterion C      pooled (default): the PSNR of the whole set (from its mean squared error)
                     meets the target; mean: the mean of the samples' dB; min: every sample does
  --prompts N        calibration prompts (default 4; the caption grammar's examples 9..)
  --seeds N          seeds 100..100+N-1 per prompt (default 2)
  --steps N          denoising steps (default: the model's)
  --rounds N         bisection rounds after bracketing (default 5)
  --threads N        ONNX Runtime intra-op threads (default 1)
  --save FILE        where to save the preset (default: <model>/${CALIBRATED_PRESETS_FILE} for a
                     user model, <user data>/${CALIBRATED_PRESETS_FILE} for an embedded one)
  --user-data DIR    the app's user-data folder (default ${defaultUserDataDir()})
  --no-save          print only
  --json             print the result as JSON`

const OPTIONS = {
  model: { type: 'string' },
  'target-psnr': { type: 'string' },
  base: { type: 'string' },
  criterion: { type: 'string' },
  prompts: { type: 'string' },
  seeds: { type: 'string' },
  steps: { type: 'string' },
  rounds: { type: 'string' },
  threads: { type: 'string' },
  save: { type: 'string' },
  'user-data': { type: 'string' },
  'no-save': { type: 'boolean' },
  json: { type: 'boolean' },
  'models-dir': { type: 'string', multiple: true }
} as const

/** The bench uses examples 0..7; calibration starts after them so it is not tuned on the test set. */
const FIRST_CALIBRATION_PROMPT = 8
const FIRST_CALIBRATION_SEED = 100

export async function calibrateCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, CALIBRATE_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const target = numberFlag('target-psnr', values['target-psnr'], 1, 99)
  if (target === undefined) throw new UsageError('--target-psnr DB is required (e.g. 30)')
  const base = (values.base ?? 'F8B0') as PresetId
  if (!PRESET_IDS.includes(base) || base === 'none' || base === 'custom')
    throw new UsageError(
      `--base: expected a cached preset (F8B0, F8B8-taylorseer, F1B0), got "${values.base}"`
    )
  const criterion = CRITERIA.find((c) => c === (values.criterion ?? 'pooled'))
  if (!criterion) throw new UsageError(`--criterion: expected pooled, mean or min, got "${values.criterion}"`)
  const dirs = modelDirs(values['models-dir'] ?? [])
  const dir = await pickModel(values.model, dirs)
  const manifest = await readManifest(dir)
  const nPrompts = intFlag('prompts', values.prompts, 1, 64) ?? 4
  const prompts = examplePrompts(manifest.kind, FIRST_CALIBRATION_PROMPT + nPrompts).slice(
    FIRST_CALIBRATION_PROMPT
  )
  const seeds = Array.from(
    { length: intFlag('seeds', values.seeds, 1, 64) ?? 2 },
    (_, i) => FIRST_CALIBRATION_SEED + i
  )

  const result = await calibrate({
    dir,
    base,
    targetPsnr: target,
    criterion,
    prompts,
    seeds,
    steps: intFlag('steps', values.steps, 1, 1000),
    provider: 'cpu',
    threads: intFlag('threads', values.threads, 1, 256) ?? 1,
    rounds: intFlag('rounds', values.rounds, 0, 20) ?? 5,
    onProbe: (p) => (values.json ? undefined : io.out(probeLine(p)))
  })
  if (!result.best) {
    io.err(
      `studio calibrate: no threshold of ${base} keeps ${criterion} PSNR ≥ ${target} dB on ${manifest.id} ` +
        `(smallest probe ${result.probes[result.probes.length - 1]?.threshold})`
    )
    return 1
  }
  const best = result.best
  const preset: CalibratedPreset = {
    modelId: manifest.id,
    label: `${base} calibrated (PSNR ≥ ${target} dB)`,
    base,
    overrides: { residualDiffThreshold: best.threshold },
    targetPsnrDb: target,
    criterion,
    measured: {
      psnrPooled: best.psnrPooled,
      psnrMean: best.psnrMean,
      psnrMin: best.psnrMin,
      theoreticalSpeedup: best.theoreticalSpeedup
    },
    prompts,
    seeds,
    steps: result.steps,
    createdAt: new Date().toISOString(),
    engineVersion: ENGINE_VERSION
  }
  let savedTo: string | null = null
  if (!values['no-save']) {
    const embedded = (await listModels(dirs)).models.some((m) => m.path === dir && m.embedded)
    savedTo = values.save ?? calibratedPresetsPath(dir, embedded, values['user-data'] ?? defaultUserDataDir())
    await saveCalibratedPreset(savedTo, preset)
  }
  if (values.json) {
    io.out(JSON.stringify({ preset, probes: result.probes, savedTo }, null, 2))
    return 0
  }
  io.out(
    `${manifest.id}: ${base} threshold ${best.threshold} (default ${baseThreshold(base)}) keeps ${criterion} PSNR ` +
      `${criterionValue(best, criterion).toFixed(2)} dB ≥ ${target} dB on ${prompts.length} prompts × ` +
      `${seeds.length} seeds; ${best.theoreticalSpeedup.toFixed(2)}× fewer block evaluations`
  )
  if (savedTo) io.out(`saved as preset "${preset.label}" in ${savedTo}`)
  return 0
}

function probeLine(p: Probe): string {
  return (
    `  threshold ${p.threshold.toFixed(4).padEnd(7)} PSNR pooled ${p.psnrPooled.toFixed(2).padStart(6)} dB, ` +
    `mean ${p.psnrMean.toFixed(2).padStart(6)} dB, ` +
    `min ${p.psnrMin.toFixed(2).padStart(6)} dB, theoretical ${p.theoreticalSpeedup.toFixed(2)}× ${p.passes ? 'pass' : 'miss'}`
  )
}
