import { quantiles } from '../shared/cache-summary'
import { scoreAdherence } from './eval/adherence'
import { compareImages } from '../main/engine/metrics/compare'
import type { Measured } from './measure'
import type { ExpertResult, SampleResult, VariantResult } from './result'
import { stepSpread } from './spread'
import { mean, median, pooledPsnr } from './stats'
import { variantTag, type BenchVariant } from './variants'

/** What the bench collects per variant while it runs, and the figures it turns into. */

export interface Acc {
  totalMs: number[]
  denoiseMs: number[]
  stepMs: number[]
  /** Each timed run's per-step ms, for the spread between runs. */
  runStepMs: number[][]
  blockShare: number[]
  pairTotal: number[]
  pairDenoise: number[]
  cpuMs: number[]
  pairCpu: number[]
  peakRss: number
  cacheBytes: number
  distances: number[]
  /** Time in the blocks of each cached / computed call (trace `ms`), for the block-time figure. */
  cachedCallMs: number[]
  computedCallMs: number[]
  samples: SampleResult[]
}

export function emptyAcc(): Acc {
  return {
    totalMs: [],
    denoiseMs: [],
    stepMs: [],
    runStepMs: [],
    blockShare: [],
    pairTotal: [],
    pairDenoise: [],
    cpuMs: [],
    pairCpu: [],
    peakRss: 0,
    cacheBytes: 0,
    distances: [],
    cachedCallMs: [],
    computedCallMs: [],
    samples: []
  }
}

export function record(a: Acc, run: Measured): void {
  const t = run.result.timings
  a.totalMs.push(t.totalMs)
  a.denoiseMs.push(t.denoiseMs)
  a.cpuMs.push(run.cpuMs)
  a.stepMs.push(...t.perStepMs)
  a.runStepMs.push([...t.perStepMs])
  a.blockShare.push(run.blockMs / t.denoiseMs)
  a.peakRss = Math.max(a.peakRss, run.peakRssBytes)
  a.cacheBytes = Math.max(a.cacheBytes, run.cacheBytes)
  for (const t of run.result.trace) (t.cached ? a.cachedCallMs : a.computedCallMs).push(t.ms)
}

/**
 * The theoretical speedup with each block priced at its measured time instead of counted as one:
 * calls / (cached × F / U + computed), where U is the median time an uncached call spends in its
 * blocks and F the median a cached call still spends there (its Fn and Bn blocks). It differs
 * from the count when the blocks a cache skips cost less than those it keeps (the double-stream
 * blocks at the front of a FLUX-like model cost ~1.8× a single-stream one); `achieved / this`
 * is then what the rest of the engine (the loop, the final graph, the cache's own work) lets
 * through. null without cached calls or an uncached reference.
 */
export function blockTimeTheoretical(variant: Acc, none: Acc): number | null {
  const calls = variant.cachedCallMs.length + variant.computedCallMs.length
  if (variant.cachedCallMs.length === 0 || none.computedCallMs.length === 0) return null
  const front = median(variant.cachedCallMs) / median(none.computedCallMs)
  return calls / (variant.cachedCallMs.length * front + variant.computedCallMs.length)
}

export function sampleOf(
  prompt: string,
  seed: number,
  run: Measured,
  reference: Measured | null
): SampleResult {
  const r = run.result
  const meta = { width: r.width, height: r.height, frames: r.frames }
  const cmp = reference ? compareImages({ ...meta, a: reference.result.pixels, b: r.pixels }) : null
  return {
    prompt,
    seed,
    blocksRun: run.summary.blocksRun,
    blocksTotal: run.summary.blocksTotal,
    cachedCalls: r.trace.filter((t) => t.cached).length,
    psnr: cmp?.psnr ?? null,
    ssim: cmp?.ssim ?? null,
    adherence: scoreAdherence(r.pixels, meta, prompt)?.overall ?? null
  }
}

export function summarize(
  v: BenchVariant,
  skipped: string | null,
  a: Acc | null,
  experts: ExpertResult[] = []
): VariantResult {
  const clean = a?.samples ?? []
  const blocksRun = clean.reduce((n, s) => n + s.blocksRun, 0)
  const blocksTotal = clean.reduce((n, s) => n + s.blocksTotal, 0)
  const theoretical = blocksRun === 0 ? 1 : blocksTotal / blocksRun
  const psnrs = clean.flatMap((s) => (s.psnr === null ? [] : [s.psnr]))
  const ssims = clean.flatMap((s) => (s.ssim === null ? [] : [s.ssim]))
  const adh = clean.flatMap((s) => (s.adherence === null ? [] : [s.adherence]))
  const isNone = v.preset === 'none'
  const timing =
    a && a.totalMs.length > 0
      ? {
          runs: a.totalMs.length,
          medianTotalMs: median(a.totalMs),
          medianDenoiseMs: median(a.denoiseMs),
          medianStepMs: median(a.stepMs),
          blockShare: median(a.blockShare),
          speedup: isNone ? 1 : median(a.pairTotal),
          denoiseSpeedup: isNone ? 1 : median(a.pairDenoise),
          medianCpuMs: median(a.cpuMs),
          cpuSpeedup: isNone ? 1 : median(a.pairCpu)
        }
      : null
  return {
    id: v.id,
    label: v.label,
    preset: v.preset,
    overrides: v.overrides,
    tag: variantTag(v),
    skipped,
    timing,
    blocksRun,
    blocksTotal,
    skippedFraction: blocksTotal === 0 ? 0 : 1 - blocksRun / blocksTotal,
    theoreticalSpeedup: theoretical,
    blockTimeTheoreticalSpeedup: null,
    achievedOverTheoretical: timing ? timing.speedup / theoretical : null,
    cpuAchievedOverTheoretical: timing ? timing.cpuSpeedup / theoretical : null,
    psnrPooled: psnrs.length ? pooledPsnr(psnrs) : null,
    psnrMean: psnrs.length ? mean(psnrs) : null,
    psnrMin: psnrs.length ? Math.min(...psnrs) : null,
    ssimMean: ssims.length ? mean(ssims) : null,
    adherence: adh.length ? mean(adh) : null,
    adherenceDelta: null,
    peakRssBytes: a?.peakRss ?? 0,
    cacheBytes: a?.cacheBytes ?? 0,
    diffQuantiles: quantiles(a?.distances ?? []),
    stepSpread: stepSpread(a?.runStepMs ?? []),
    experts,
    samples: clean
  }
}
