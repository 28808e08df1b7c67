import { listModels, resolveModel } from '../../main/engine/model/registry'
import { readmeBlock, updateReadme } from '../../bench/report/readme-block'
import { writeReport } from '../../bench/report/write'
import { runBench } from '../../bench/run-bench'
import { shellQuote } from '../../bench/report/format'
import { expertTextTable, textTable } from '../../bench/report/table'
import { torchSummary } from '../../bench/report/torch'
import { spreadLine } from '../../bench/spread'
import { DEFAULT_TORCH } from '../../bench/torch-compare'
import { defaultVariantsFor, parseVariants } from '../../bench/variants'
import { intFlag, numberFlag, commandFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs } from '../models'
import { ciCommand } from './bench-ci'

/**
 * `studio bench` (npm run bench): every preset and a threshold sweep on each embedded model, or on
 * the models named (an imported package too: `npm run bench -- wan2-2-tiny`) —
 * time, speedup vs none in the same run, blocks skipped, theoretical speedup, PSNR/SSIM vs the
 * uncached output, prompt adherence, peak RSS — and the PyTorch original of the same model.
 * Prints a table, writes JSON, a markdown report and SVG charts. `--ci`: a small run that checks
 * the ratios and exits 1 when one does not hold.
 */

export const BENCH_USAGE = `Usage: studio bench [ID|FOLDER]... [--model ID|FOLDER]... [options]
  ID|FOLDER          models to bench: an embedded or imported id, or a package folder
                     (default: every embedded model)
  --prompts N        prompts from the caption grammar's examples (default 8)
  --seeds N          seeds 0..N-1 per prompt (default 2)
  --repeats N        timed uncached/cached pairs per prompt, seed and variant (default 1)
  --steps N          denoising steps (default: each model's)
  --width N, --height N, --frames N
                     output size and video frames (default: each model's)
  --threads N        ONNX Runtime intra-op threads, and PyTorch's (default 1: on the embedded models
                     one thread ran 11.2 ms/step against 16.5 with two, idle 2-core machine)
  --cfg-lanes N      1, or 2: CFG's uncond call in a session lane of its own, concurrently with
                     cond, each lane with --threads threads (docs/engine.md, CFG parallelism)
  --cfg-batch        one lane: CFG's cond and uncond calls share one batch-2 session call wherever
                     both run the same blocks, each branch's cache on its own rows (docs/engine.md,
                     CFG batched into one call)
  --variants LIST    e.g. none,F8B0,F8B8-taylorseer,F1B0,F8B0-R0.2 (default: all presets + sweep)
  --thresholds LIST  thresholds to sweep on F8B0, or on F1B0 where F8B0's 8 front blocks do not
                     fit the model (default 0.04,0.12,0.16,0.24)
  --no-torch         skip the PyTorch comparison
  --torch-repeats N  interleaved rounds against PyTorch: per preset an engine run, an eager run and
                     a torch.compile run back to back, ratios per round (default 2)
  --torch-python P   the Python that runs the PyTorch side (default /usr/bin/python3); point it at
                     a virtual environment with PyTorch 2.x for the torch.compile column
  --no-torch-compile time PyTorch eager only (torch.compile's warm-up compiles for minutes)
  --out DIR          write bench.json, README.md and the SVG charts here (default docs/bench,
                     docs/bench/imported when an imported package is among the models)
  --no-write         print only
                     (writing embedded models only also refreshes README.md's Benchmarks table
                     between its markers)
  --json             print the JSON report instead of the table
  --note TEXT        a line for the report on the machine's load (what else was running)
  --ci               small run that checks ratios (see studio bench --ci --help)`

const OPTIONS = {
  model: { type: 'string', multiple: true },
  prompts: { type: 'string' },
  seeds: { type: 'string' },
  repeats: { type: 'string' },
  steps: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  frames: { type: 'string' },
  threads: { type: 'string' },
  'cfg-lanes': { type: 'string' },
  'cfg-batch': { type: 'boolean' },
  provider: { type: 'string' },
  variants: { type: 'string' },
  thresholds: { type: 'string' },
  'no-torch': { type: 'boolean' },
  'torch-repeats': { type: 'string' },
  'torch-python': { type: 'string' },
  'no-torch-compile': { type: 'boolean' },
  out: { type: 'string' },
  'no-write': { type: 'boolean' },
  json: { type: 'boolean' },
  note: { type: 'string' },
  'models-dir': { type: 'string', multiple: true }
} as const

export async function benchCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  if (argv.includes('--ci'))
    return ciCommand(
      argv.filter((a) => a !== '--ci'),
      io
    )
  const parsed = commandFlags(argv, OPTIONS, BENCH_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  const dirs = modelDirs(values['models-dir'] ?? [])
  const named = [...positionals, ...(values.model ?? [])]
  const models = named.length
    ? await Promise.all(named.map((m) => resolveModel(m, dirs)))
    : (await listModels(dirs)).models.filter((m) => m.embedded).map((m) => m.path)
  if (models.length === 0) throw new UsageError('no embedded model found; pass --model ID|FOLDER')
  const sweep = values.thresholds ? thresholds(values.thresholds) : undefined
  // Without a list, each model gets every preset and a sweep on a base that fits its blocks.
  const variants = values.variants
    ? usage(() => parseVariants(values.variants as string))
    : (fits: Parameters<typeof defaultVariantsFor>[0]) => defaultVariantsFor(fits, sweep)
  const threads = intFlag('threads', values.threads, 1, 256) ?? 1
  const report = await runBench({
    dirs: models,
    command: `npm run bench -- ${argv.map(shellQuote).join(' ')}`.trim(),
    variants,
    promptCount: intFlag('prompts', values.prompts, 1, 64) ?? 8,
    seeds: range(intFlag('seeds', values.seeds, 1, 64) ?? 2),
    repeats: intFlag('repeats', values.repeats, 1, 100) ?? 1,
    steps: intFlag('steps', values.steps, 1, 1000),
    width: intFlag('width', values.width, 1, 65536),
    height: intFlag('height', values.height, 1, 65536),
    frames: intFlag('frames', values.frames, 1, 4096),
    provider: values.provider === undefined ? 'cpu' : providerFlag(values.provider),
    threads,
    cfgLanes: (intFlag('cfg-lanes', values['cfg-lanes'], 1, 2) ?? 1) as 1 | 2,
    cfgBatch: values['cfg-batch'] === true,
    torch: values['no-torch']
      ? null
      : {
          ...DEFAULT_TORCH,
          python: values['torch-python'] ?? DEFAULT_TORCH.python,
          compile: !values['no-torch-compile'],
          repeats: intFlag('torch-repeats', values['torch-repeats'], 1, 20) ?? 2
        },
    onRun: (line) => (io.status ? io.status(line) : io.err(line))
  })
  if (io.status) io.status('')
  if (values.json) io.out(JSON.stringify(report, null, 2))
  else
    for (const b of report.models) {
      for (const l of [`${b.name} (${b.model})`, ...textTable(b)]) io.out(l)
      io.out('per transformer (expert):')
      for (const l of expertTextTable(b)) io.out(l)
      for (const v of b.variants) io.out(spreadLine(v.id, v.stepSpread))
      if (b.torch) io.out(torchSummary(b.torch))
      else if (b.torchError) io.out(`PyTorch comparison not made: ${b.torchError}`)
      io.out('')
    }
  for (const f of report.failures) io.err(`not benched: ${f.dir}: ${f.error}`)
  if (!values['no-write']) {
    // An imported package's figures must not overwrite the embedded models' report.
    const embeddedOnly = report.models.every((m) => m.embedded)
    const dir = values.out ?? (embeddedOnly ? 'docs/bench' : 'docs/bench/imported')
    const written = await writeReport(report, dir, values.note ?? null)
    // The README's Benchmarks section shows the embedded models' table (only when its markers are there).
    if (embeddedOnly && (await updateReadme('README.md', readmeBlock(report, dir, values.note ?? null))))
      written.push('README.md')
    io.err(`wrote ${written.join(', ')}`)
  }
  return 0
}

function thresholds(text: string): number[] {
  return text.split(',').map((t) => numberFlag('thresholds', t, 0, 10) as number)
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

function usage<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}
