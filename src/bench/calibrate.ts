import type { PresetId } from '../shared/presets'
import { resolveCacheConfig } from '../shared/presets'
import type { Provider } from '../shared/providers'
import { compareImages } from '../main/engine/metrics/compare'
import { measure, type Measured } from './measure'
import { mean, pooledPsnr } from './stats'
import { loadBenchTarget } from './bench-target'

/**
 * Threshold auto-calibration: the largest residual-diff threshold of a base preset whose outputs
 * stay within a PSNR target of the uncached outputs on a calibration prompt set. PSNR falls as
 * the threshold rises, but not strictly (a higher threshold can cache a different, luckier
 * step), so the search brackets the target by doubling, bisects the bracket, and answers the
 * largest threshold it *measured* passing — never an interpolated one.
 */

export interface CalibrateOptions {
  dir: string
  base: PresetId
  targetPsnr: number
  /**
   * 'pooled': the PSNR of the whole set (from its mean squared error) meets the target; 'mean':
   * the mean of the samples' dB; 'min': every sample does.
   */
  criterion: Criterion
  prompts: readonly string[]
  seeds: readonly number[]
  steps?: number
  provider: Provider
  threads: number
  /** Bisection rounds after the bracket is found. */
  rounds: number
  onProbe?: (p: Probe) => void
}

export const CRITERIA = ['pooled', 'mean', 'min'] as const
export type Criterion = (typeof CRITERIA)[number]

export interface Probe {
  threshold: number
  psnrPooled: number
  psnrMean: number
  psnrMin: number
  theoreticalSpeedup: number
  passes: boolean
}

export interface CalibrationResult {
  model: string
  steps: number
  /** The largest passing threshold, or null when even the smallest probe missed the target. */
  best: Probe | null
  probes: Probe[]
}

/** Thresholds ≥ 1 cache whenever warmup and limits allow: nothing above it changes decisions. */
const MAX_THRESHOLD = 1
const FIRST_PROBE = 0.02

export async function calibrate(o: CalibrateOptions): Promise<CalibrationResult> {
  const model = await loadBenchTarget(o.dir, o.provider, { intraOpThreads: o.threads })
  try {
    const none = { id: 'none', label: 'none', preset: 'none' as const, overrides: {} }
    const samples = o.prompts.flatMap((prompt) => o.seeds.map((seed) => ({ prompt, seed, steps: o.steps })))
    const references: Measured[] = []
    for (const s of samples) references.push(await measure(model, none, s))
    const probes: Probe[] = []
    const probe = async (threshold: number): Promise<Probe> => {
      const v = {
        id: 'probe',
        label: 'probe',
        preset: o.base,
        overrides: { residualDiffThreshold: threshold }
      }
      const psnrs: number[] = []
      let run = 0
      let total = 0
      for (const [i, s] of samples.entries()) {
        const m = await measure(model, v, s)
        const r = m.result
        const ref = references[i].result
        psnrs.push(
          compareImages({ width: r.width, height: r.height, frames: r.frames, a: ref.pixels, b: r.pixels })
            .psnr
        )
        run += m.summary.blocksRun
        total += m.summary.blocksTotal
      }
      const figures = { psnrPooled: pooledPsnr(psnrs), psnrMean: mean(psnrs), psnrMin: Math.min(...psnrs) }
      const p: Probe = {
        threshold,
        ...figures,
        theoreticalSpeedup: run === 0 ? 1 : total / run,
        passes: criterionValue(figures, o.criterion) >= o.targetPsnr
      }
      probes.push(p)
      o.onProbe?.(p)
      return p
    }

    // 1. Bracket: double from FIRST_PROBE until a probe misses the target (or the threshold saturates).
    let lo: number | null = null
    let hi: number | null = null
    for (let t = FIRST_PROBE; ; t = Math.min(MAX_THRESHOLD, t * 2)) {
      if ((await probe(t)).passes) lo = t
      else {
        hi = t
        break
      }
      if (t >= MAX_THRESHOLD) break
    }
    // 2. Bisect between the last pass and the first miss (below FIRST_PROBE if that one missed).
    let a = lo ?? 0
    if (hi !== null) {
      let b = hi
      for (let k = 0; k < o.rounds; k++) {
        const mid = round4((a + b) / 2)
        if (mid <= a || mid >= b) break
        if ((await probe(mid)).passes) a = mid
        else b = mid
      }
    }
    const passing = probes.filter((p) => p.passes)
    const best = passing.length ? passing.reduce((x, y) => (y.threshold > x.threshold ? y : x)) : null
    return { model: model.id, steps: references[0]?.result.recipe.steps ?? 0, best, probes }
  } finally {
    await model.release()
  }
}

/** The base preset's own threshold (for the report: calibrated vs default). */
export function baseThreshold(base: PresetId): number {
  return resolveCacheConfig(base).residualDiffThreshold
}

export function criterionValue(p: Pick<Probe, 'psnrPooled' | 'psnrMean' | 'psnrMin'>, c: Criterion): number {
  return c === 'pooled' ? p.psnrPooled : c === 'mean' ? p.psnrMean : p.psnrMin
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
