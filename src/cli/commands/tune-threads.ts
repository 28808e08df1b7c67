import { availableParallelism } from 'node:os'
import { candidateLayouts, layoutLabel, measureLayouts } from '../../bench/thread-layout'
import { parseVariants } from '../../bench/variants'
import { defaultUserDataDir } from '../../main/engine/calibrated-store'
import { isImportedPackage } from '../../main/engine/import/imported-info'
import { readManifest } from '../../main/engine/model/manifest-file'
import { saveLayoutRecord, threadLayoutsDir } from '../../main/engine/thread-layout-store'
import { commandFlags, intFlag, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'

/**
 * `studio tune-threads [--model M] [--cores N]`: times the model's candidate thread layouts on
 * this machine (interleaved rounds, src/bench/thread-layout.ts), picks the fastest and stores it
 * where the engine looks when a model loads with threads left to it (docs/engine.md, "CFG
 * parallelism"; main/engine/thread-layout-store.ts).
 */

export const TUNE_THREADS_USAGE = `Usage: studio tune-threads [--model ID|FOLDER] [options]
  --cores N          cores the layouts share (default: this machine's, ${availableParallelism()})
  --rounds N         interleaved rounds, one generation per layout each (default 5)
  --steps N          denoising steps per generation, uncached (default 10)
  --provider P       execution provider (default auto)
  --user-data DIR    the app's user-data folder (default ${defaultUserDataDir()})
  --no-save          print only
  --json             print the measurement as JSON`

const OPTIONS = {
  model: { type: 'string' },
  cores: { type: 'string' },
  rounds: { type: 'string' },
  steps: { type: 'string' },
  provider: { type: 'string' },
  'user-data': { type: 'string' },
  'no-save': { type: 'boolean' },
  json: { type: 'boolean' },
  'models-dir': { type: 'string', multiple: true }
} as const

export async function tuneThreadsCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, TUNE_THREADS_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const cores = intFlag('cores', values.cores, 1, 256) ?? availableParallelism()
  const rounds = intFlag('rounds', values.rounds, 1, 100) ?? 5
  const steps = intFlag('steps', values.steps, 1, 1000) ?? 10
  const provider = providerFlag(values.provider)
  const dir = await pickModel(values.model, modelDirs(values['models-dir'] ?? []))
  // CFG as one batched call never uses a second lane: not worth timing (an imported family's
  // loop decides for itself, so its lanes are measured).
  const lanes = (await isImportedPackage(dir)) || (await readManifest(dir)).defaults.separateCfg
  const layouts = candidateLayouts(cores, false, lanes)
  const m = await measureLayouts({
    dir,
    provider,
    layouts,
    variant: parseVariants('none')[0],
    input: { prompt: 'a red circle at the center on a blue background', seed: 0, steps },
    rounds,
    onRound: (line) => io.err(line)
  })
  const storedOf = (l: typeof m.best) => ({
    intraOpThreads: l.intraOpThreads,
    cfgLanes: l.cfgLanes,
    ...(l.cfgBatch ? { cfgBatch: true } : {})
  })
  const stored = storedOf(m.best)
  const record = {
    format: 'cache-studio.thread-layout' as const,
    version: 1 as const,
    model: m.model.id,
    provider: m.model.provider,
    cores,
    layout: stored,
    measured: {
      at: new Date().toISOString(),
      rounds,
      steps,
      figures: m.figures.map((f) => ({
        layout: storedOf(f.layout),
        msPerStep: f.msPerStep
      }))
    }
  }
  const path = values['no-save']
    ? null
    : await saveLayoutRecord(threadLayoutsDir(values['user-data'] ?? defaultUserDataDir()), record)
  if (values.json) {
    io.out(JSON.stringify({ ...record, figures: m.figures, saved: path }, null, 2))
    return 0
  }
  for (const f of m.figures)
    io.out(
      `${layoutLabel(f.layout).padEnd(22)} ${f.msPerStep.toFixed(2).padStart(8)} ms/step  ×${f.speedupVsFirst.toFixed(2)} vs first  cpu ${f.cpuMsPerStep.toFixed(2)} ms/step`
    )
  io.out(
    `best on ${cores} core${cores === 1 ? '' : 's'}: ${layoutLabel(m.best)} (${m.model.id}, ${m.model.provider}, ${rounds} rounds of ${steps} steps)`
  )
  io.out(path ? `saved ${path}` : 'not saved (--no-save)')
  return 0
}
