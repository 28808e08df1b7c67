import { benchCache, type CacheBenchResult } from '../../main/engine/bench/cache-bench'
import { CACHE_FLAG_OPTIONS, CACHE_FLAGS_HELP, cacheChoiceFromFlags, CacheFlagError } from '../cache-flags'
import { intFlag, parseFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'

/**
 * `studio bench`: the cache against no cache on one model — blocks run, time, and whether the
 * time saved matches the blocks skipped.
 */

export const BENCH_USAGE = `Usage: studio bench [--model ID|FOLDER] [options] [cache flags]
  --steps N       denoising steps per run (default 20)
  --repeats N     timed runs per variant, interleaved, after one warm-up each (default 3)
  --provider P    auto|cpu|cuda|dml|coreml (default: cpu)
  --json          print the result as JSON
${CACHE_FLAGS_HELP}
  (default cache: F8B0)`

const OPTIONS = {
  model: { type: 'string' },
  steps: { type: 'string' },
  repeats: { type: 'string' },
  provider: { type: 'string' },
  json: { type: 'boolean' },
  'models-dir': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  ...CACHE_FLAG_OPTIONS
} as const

export async function benchCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, OPTIONS)
  if (values.help) {
    io.out(BENCH_USAGE)
    return 0
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  let cache
  try {
    cache = cacheChoiceFromFlags({ ...values, cache: values.cache ?? 'F8B0' })
  } catch (e) {
    if (e instanceof CacheFlagError) throw new UsageError(e.message)
    throw e
  }
  if (cache.preset === 'none') throw new UsageError('--cache none: nothing to compare with no cache')
  const dir = await pickModel(values.model, modelDirs(values['models-dir'] ?? []))
  const result = await benchCache({
    dir,
    cache,
    steps: intFlag('steps', values.steps, 1, 1000) ?? 20,
    repeats: intFlag('repeats', values.repeats, 1, 100) ?? 3,
    provider: values.provider === undefined ? 'cpu' : providerFlag(values.provider),
    onRun: (variant, repeat, ms) => {
      const text = `run ${repeat + 1} ${variant}: ${ms.toFixed(1)} ms`
      if (io.status) io.status(text)
      else io.err(text)
    }
  })
  if (io.status) io.status('')
  if (values.json) io.out(JSON.stringify(result, null, 2))
  else for (const line of formatCacheBench(result)) io.out(line)
  return 0
}

export function formatCacheBench(r: CacheBenchResult): string[] {
  const row = (name: string, v: CacheBenchResult['none']) =>
    `  ${name.padEnd(36)} ${`${v.blocksRun}/${v.blocksTotal}`.padStart(11)} ${v.blockMs.toFixed(1).padStart(10)} ${v.denoiseMs.toFixed(1).padStart(11)}`
  const ratio = r.predictedSavedMs > 0 ? r.measuredSavedMs / r.predictedSavedMs : Number.NaN
  return [
    `${r.model} on ${r.provider}: ${r.steps} steps, median of ${r.repeats} runs per variant`,
    `  ${'variant'.padEnd(36)} ${'blocks run'.padStart(11)} ${'block ms'.padStart(10)} ${'denoise ms'.padStart(11)}`,
    row('none', r.none),
    row(r.config, r.cached),
    `  cached calls: ${r.cachedSteps}; block speedup ${(r.cached.blocksTotal / r.cached.blocksRun).toFixed(2)}×, ` +
      `measured speedup ${r.speedup.toFixed(2)}×`,
    `  time saved: ${r.measuredSavedMs.toFixed(1)} ms measured vs ${r.predictedSavedMs.toFixed(1)} ms predicted ` +
      `from the blocks skipped (ratio ${ratio.toFixed(2)})`,
    `  PSNR vs no cache: ${Number.isFinite(r.psnr) ? `${r.psnr.toFixed(2)} dB` : 'identical'}`
  ]
}
