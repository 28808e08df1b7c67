import { readFile } from 'node:fs/promises'
import { BenchReportSchema, type BenchReport } from '../../bench/result'
import { ciCheck, DEFAULT_CI_FLOORS } from '../../bench/ci-check'
import { runBench } from '../../bench/run-bench'
import { textTable } from '../../bench/report/table'
import { parseVariants } from '../../bench/variants'
import { intFlag, numberFlag, commandFlags } from '../flags'
import { UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'
import { shellQuote } from '../../bench/report/format'
import { DEFAULT_SPREAD_BOUNDS, spreadLine } from '../../bench/spread'

/**
 * `studio bench --ci`: the bench small enough for CI (a model, 2 prompts, 1 seed, none + F8B0, no
 * PyTorch), checking ratios, not times (the steadiness of the step times is a ratio within the
 * run); exit 1 naming every figure that does not hold.
 */

export const BENCH_CI_USAGE = `Usage: studio bench --ci [--model ID|FOLDER] [options]
  --prompts N               prompts (default 2)
  --seeds N                 seeds 0..N-1 (default 1)
  --steps N                 denoising steps (default: the model's)
  --variants LIST           variants run (default none,F8B0); none is always needed
  --check LIST              variants the floors apply to (default F8B0)
  --min-psnr DB             PSNR floor vs uncached (default 30)
  --min-theoretical X       theoretical speedup floor (default 1.2)
  --max-adherence-drop X    adherence may fall at most this much (default 0.03)
  --max-step-spread X       uncached step time P90/P10 bound (default 3)
  --max-run-spread X        uncached slowest/fastest run median step bound (default 2)
  --baseline FILE           committed bench JSON to compare per-sample figures with
                            (default docs/bench/bench.json; missing = floors only)
  --threads N               ONNX Runtime intra-op threads (default 1)`

const OPTIONS = {
  model: { type: 'string' },
  prompts: { type: 'string' },
  seeds: { type: 'string' },
  steps: { type: 'string' },
  variants: { type: 'string' },
  check: { type: 'string' },
  'min-psnr': { type: 'string' },
  'min-theoretical': { type: 'string' },
  'max-adherence-drop': { type: 'string' },
  'max-step-spread': { type: 'string' },
  'max-run-spread': { type: 'string' },
  baseline: { type: 'string' },
  threads: { type: 'string' },
  'models-dir': { type: 'string', multiple: true }
} as const

export async function ciCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, BENCH_CI_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const dir = await pickModel(values.model, modelDirs(values['models-dir'] ?? []))
  let variants
  try {
    variants = parseVariants(values.variants ?? 'none,F8B0')
  } catch (e) {
    throw new UsageError(`--variants: ${(e as Error).message}`)
  }
  const floors = {
    ...DEFAULT_CI_FLOORS,
    variants: values.check ? values.check.split(',').map((s) => s.trim()) : DEFAULT_CI_FLOORS.variants,
    minPsnr: numberFlag('min-psnr', values['min-psnr'], 0, 200) ?? DEFAULT_CI_FLOORS.minPsnr,
    minTheoretical:
      numberFlag('min-theoretical', values['min-theoretical'], 0, 1000) ?? DEFAULT_CI_FLOORS.minTheoretical,
    maxAdherenceDrop:
      numberFlag('max-adherence-drop', values['max-adherence-drop'], 0, 1) ??
      DEFAULT_CI_FLOORS.maxAdherenceDrop,
    spread: {
      ...DEFAULT_SPREAD_BOUNDS,
      maxP90OverP10:
        numberFlag('max-step-spread', values['max-step-spread'], 0, 1000) ??
        DEFAULT_SPREAD_BOUNDS.maxP90OverP10,
      maxRunMedianRatio:
        numberFlag('max-run-spread', values['max-run-spread'], 0, 1000) ??
        DEFAULT_SPREAD_BOUNDS.maxRunMedianRatio
    }
  }
  const baseline = await readBaseline(values.baseline)
  const report = await runBench({
    dirs: [dir],
    command: `npm run bench -- --ci ${argv.map(shellQuote).join(' ')}`.trim(),
    variants,
    promptCount: intFlag('prompts', values.prompts, 1, 64) ?? 2,
    seeds: Array.from({ length: intFlag('seeds', values.seeds, 1, 64) ?? 1 }, (_, i) => i),
    repeats: 1,
    steps: intFlag('steps', values.steps, 1, 1000),
    provider: 'cpu',
    threads: intFlag('threads', values.threads, 1, 256) ?? 1,
    torch: null
  })
  const b = report.models[0]
  for (const l of [`${b.name} (${b.model}), ${b.steps} steps`, ...textTable(b)]) io.out(l)
  for (const v of b.variants) io.out(spreadLine(v.id, v.stepSpread))
  const findings = ciCheck(b, floors, baseline)
  for (const f of findings) io.out(`${f.ok ? 'ok  ' : 'FAIL'} ${f.line}`)
  const failed = findings.filter((f) => !f.ok)
  if (failed.length > 0) {
    io.err(`studio bench --ci: ${failed.length} figure(s) do not hold: ${failed[0].line}`)
    return 1
  }
  return 0
}

/** The committed baseline, if any; a file that exists but does not parse is an error, not ignored. */
async function readBaseline(path: string | undefined): Promise<BenchReport | null> {
  const file = path ?? 'docs/bench/bench.json'
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if (path !== undefined) throw new UsageError(`--baseline: cannot read ${file} (${(e as Error).message})`)
    return null
  }
  const parsed = BenchReportSchema.safeParse(JSON.parse(text))
  if (!parsed.success)
    throw new UsageError(`${file}: not a bench report (${parsed.error.issues[0]?.message})`)
  return parsed.data
}
