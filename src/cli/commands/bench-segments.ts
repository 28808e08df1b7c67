import { benchSegments, type SegmentBenchResult } from '../../bench/segment-bench'
import { DEFAULT_MAX_SEGMENT_BLOCKS } from '../../main/engine/model/block-pieces'
import { intFlag, commandFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'

/**
 * `studio bench-segments`: time per step with fused segments vs one session per block vs the
 * whole transformer as one graph, measured in one run (cache off, same noise and settings).
 */

export const BENCH_SEGMENTS_USAGE = `Usage: studio bench-segments [--model ID|FOLDER] [options]
  --rounds N      timed generations per variant, interleaved (default 20)
  --steps N       denoising steps per generation (default 8)
  --threads N     ONNX Runtime intra-op threads (default: ORT's choice)
  --max-segment N longest run of blocks fused into one graph (default ${DEFAULT_MAX_SEGMENT_BLOCKS})
  --provider P    auto|cpu|cuda|dml|coreml (default: cpu)
  --json          print the result as JSON`

const OPTIONS = {
  model: { type: 'string' },
  rounds: { type: 'string' },
  steps: { type: 'string' },
  threads: { type: 'string' },
  'max-segment': { type: 'string' },
  provider: { type: 'string' },
  json: { type: 'boolean' },
  'models-dir': { type: 'string', multiple: true }
} as const

export async function benchSegmentsCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, BENCH_SEGMENTS_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const dir = await pickModel(values.model, modelDirs(values['models-dir'] ?? []))
  const result = await benchSegments({
    dir,
    rounds: intFlag('rounds', values.rounds, 1, 10000) ?? 20,
    steps: intFlag('steps', values.steps, 1, 1000) ?? 8,
    provider: values.provider === undefined ? 'cpu' : providerFlag(values.provider),
    tuning: { intraOpThreads: intFlag('threads', values.threads, 0, 256) ?? 0 },
    maxSegmentBlocks: intFlag('max-segment', values['max-segment'], 1, 10000),
    onRound: (round, ms) => {
      const text = `round ${round + 1}: ${Object.entries(ms)
        .map(([v, t]) => `${v} ${t.toFixed(2)} ms`)
        .join(', ')}`
      if (io.status) io.status(text)
    }
  })
  if (io.status) io.status('')
  if (values.json) io.out(JSON.stringify(result, null, 2))
  else for (const line of formatBench(result)) io.out(line)
  return 0
}

export function formatBench(r: SegmentBenchResult): string[] {
  const cfg = r.separateCfg ? 'separate' : 'batched'
  const lines = [
    `${r.model} on ${r.provider}: ${r.rounds} generations of ${r.steps} steps per variant, interleaved, CFG ${cfg}, cache off`,
    `  variant    wall ms/step: median    mean     min   CPU ms/step: median   session calls per transformer call`
  ]
  const num = (x: number, w: number) => x.toFixed(2).padStart(w)
  for (const t of r.timings) {
    lines.push(
      `  ${t.variant.padEnd(9)}  ${num(t.medianStepMs, 20)}  ${num(t.meanStepMs, 6)}  ${num(t.minStepMs, 6)}  ` +
        `${num(t.medianCpuMs, 19)}   ${t.sessionCallsPerTransformerCall}`
    )
  }
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
  const blocks = r.timings.find((t) => t.variant === 'blocks')
  const whole = r.timings.find((t) => t.variant === 'whole')
  lines.push(
    `  segments vs whole graph: ${pct(r.segmentsOverWhole)} wall, ${pct(r.segmentsOverWholeCpu)} CPU (median of the rounds' ratios)`
  )
  if (blocks && whole) {
    const wall = blocks.medianStepMs / whole.medianStepMs - 1
    const cpu = blocks.medianCpuMs / whole.medianCpuMs - 1
    lines.push(`  blocks one by one vs whole graph: ${pct(wall)} wall, ${pct(cpu)} CPU (medians)`)
  }
  const setup = r.timings.map((t) => `${t.variant} ${(t.setupMs / 1000).toFixed(1)} s`).join(', ')
  lines.push(`  block sessions compiled and created in: ${setup}`)
  lines.push(`  max |latent difference| between variants: ${r.maxLatentDiff.toExponential(2)}`)
  if (r.glibcMallocDefaults) {
    // Measured on shapes-wan-tiny: +11 to +18 % with glibc's defaults, -0.5 % with the sessions
    // created in the other order, +2 % with these settings (docs/engine.md).
    lines.push(
      '  note: glibc malloc defaults: the sessions created first can run ~10 % slower; for a fair',
      '  comparison run with MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TOP_PAD_=1073741824'
    )
  }
  return lines
}
