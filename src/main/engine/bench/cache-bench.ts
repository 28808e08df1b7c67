import { cacheTag } from '../../../shared/cache-config'
import type { CacheChoice, GenerationResult } from '../../../shared/generation'
import { GenerateRequestSchema } from '../../../shared/generation'
import type { Provider } from '../../../shared/providers'
import { createStepCache } from '../cache/index'
import { LoadedModel } from '../model/loaded-model'
import { loadPackage } from '../model/package'
import { DEFAULT_TUNING, type SessionTuning } from '../model/session'
import { runPipeline } from '../pipeline/generate'

/**
 * What the step cache buys on one model: the same generation (prompt, seed, steps) with the
 * cache off and with the chosen config, interleaved in one process so that a busy machine slows
 * both alike. DBCache only skips transformer blocks, so its time saving should be the baseline's
 * block time × the fraction of blocks skipped; the report puts the two side by side.
 */

export interface CacheBenchOptions {
  dir: string
  cache: CacheChoice
  steps: number
  /** Timed runs per variant (after one warm-up run each). */
  repeats: number
  provider: Provider
  tuning?: SessionTuning
  onRun?: (variant: 'none' | 'cached', repeat: number, denoiseMs: number) => void
}

export interface VariantStats {
  /** Median denoising-loop time of one generation (all steps), ms. */
  denoiseMs: number
  /** Median time spent in the transformer blocks (the trace's `ms`, summed), ms. */
  blockMs: number
  blocksRun: number
  blocksTotal: number
}

export interface CacheBenchResult {
  model: string
  provider: string
  steps: number
  repeats: number
  /** CacheDiT-style tag of the cached config, e.g. `DBCache_F8B0_W8I1M0MC0_R0.08_T0O0`. */
  config: string
  none: VariantStats
  cached: VariantStats
  cachedSteps: number
  /** none.blockMs × (1 − blocksRun / blocksTotal): the saving if block time is proportional to blocks. */
  predictedSavedMs: number
  /** none.denoiseMs − cached.denoiseMs. */
  measuredSavedMs: number
  /** none.denoiseMs / cached.denoiseMs. */
  speedup: number
  /** PSNR of the cached image against the uncached one (dB, RGB, 8-bit); Infinity when identical. */
  psnr: number
}

export async function benchCache(o: CacheBenchOptions): Promise<CacheBenchResult> {
  const pkg = await loadPackage(o.dir)
  const model = await LoadedModel.load(pkg, { provider: o.provider, tuning: o.tuning ?? DEFAULT_TUNING })
  const m = pkg.manifest
  const request = (cache: CacheChoice) =>
    GenerateRequestSchema.parse({
      model: o.dir,
      prompt: m.examples?.[0] ?? '',
      seed: 0,
      steps: o.steps,
      provider: model.provider,
      cache
    })
  const variants = { none: request({ preset: 'none', overrides: {} }), cached: request(o.cache) }
  const runs: Record<'none' | 'cached', GenerationResult[]> = { none: [], cached: [] }
  try {
    for (let r = -1; r < o.repeats; r++) {
      for (const v of ['none', 'cached'] as const) {
        const result = await runPipeline(model, variants[v], { createStepCache, beforeCall: () => {} })
        if (r < 0) continue // warm-up: session creation and first-run allocations
        runs[v].push(result)
        o.onRun?.(v, r, result.timings.denoiseMs)
      }
    }
  } finally {
    await model.release()
  }
  const none = stats(runs.none)
  const cached = stats(runs.cached)
  const last = runs.cached[runs.cached.length - 1]
  return {
    model: m.id,
    provider: model.provider,
    steps: o.steps,
    repeats: o.repeats,
    config: cacheTag(last.recipe.cache),
    none,
    cached,
    cachedSteps: last.trace.filter((t) => t.cached).length,
    predictedSavedMs: none.blockMs * (1 - cached.blocksRun / cached.blocksTotal),
    measuredSavedMs: none.denoiseMs - cached.denoiseMs,
    speedup: none.denoiseMs / cached.denoiseMs,
    psnr: psnr(runs.none[0].pixels, last.pixels)
  }
}

function stats(results: readonly GenerationResult[]): VariantStats {
  const s = results[0].summary
  return {
    denoiseMs: median(results.map((r) => r.timings.denoiseMs)),
    blockMs: median(results.map((r) => r.trace.reduce((a, t) => a + t.ms, 0))),
    blocksRun: s.blocksRun,
    blocksTotal: s.blocksTotal
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** PSNR over the RGB channels of two RGBA8 buffers. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr: ${a.length} vs ${b.length} bytes`)
  let sum = 0
  let n = 0
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue
    const d = a[i] - b[i]
    sum += d * d
    n++
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum)
}
