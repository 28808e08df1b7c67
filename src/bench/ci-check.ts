import type { BenchReport, ModelBench } from './result'
import { DEFAULT_SPREAD_BOUNDS, type SpreadBounds } from './spread'

/**
 * The CI bench's verdict: the figures that do not depend on the machine's speed — blocks skipped,
 * theoretical speedup, PSNR and adherence vs uncached — against floors, and against a committed
 * baseline run (same model, variant, prompt and seed) when there is one. Times are not checked:
 * a busy CI machine must not fail a correct engine. What is checked of them is how steady they
 * are, as ratios of times taken in this one run (spread.ts), against generous bounds.
 */

export interface CiFloors {
  /** Variants the floors apply to (the rest are reported only). */
  variants: readonly string[]
  minPsnr: number
  minTheoretical: number
  maxAdherenceDrop: number
  /** Per sample, theoretical speedup may fall at most this share under the baseline's. */
  baselineTolerance: number
  /** Per sample, PSNR may fall at most this many dB under the baseline's. */
  baselinePsnrDropDb: number
  spread: SpreadBounds
}

export const DEFAULT_CI_FLOORS: CiFloors = {
  variants: ['F8B0'],
  minPsnr: 30,
  // A sanity floor (the cache must skip a real share of the blocks); the per-sample comparison
  // with the committed baseline is the tight check that the figures of the report still hold.
  minTheoretical: 1.2,
  maxAdherenceDrop: 0.03,
  baselineTolerance: 0.1,
  baselinePsnrDropDb: 1,
  spread: DEFAULT_SPREAD_BOUNDS
}

export interface CiFinding {
  ok: boolean
  line: string
}

export function ciCheck(b: ModelBench, floors: CiFloors, baseline: BenchReport | null): CiFinding[] {
  const out: CiFinding[] = []
  // A baseline measured on other weights (a retrained model) says nothing about these: only the
  // floors apply until the report is regenerated.
  const base =
    baseline?.models.find(
      (m) => m.model === b.model && m.steps === b.steps && m.manifestSha256 === b.manifestSha256
    ) ?? null
  for (const id of floors.variants) {
    const v = b.variants.find((x) => x.id === id)
    if (!v) {
      out.push({ ok: false, line: `${b.model} ${id}: not in this run` })
      continue
    }
    if (v.skipped !== null) {
      out.push({ ok: false, line: `${b.model} ${id}: could not run (${v.skipped})` })
      continue
    }
    const at = `${b.model} ${id}`
    const check = (ok: boolean, what: string) => out.push({ ok, line: `${at}: ${what}` })
    check(
      v.blocksRun < v.blocksTotal,
      `blocks skipped ${v.blocksTotal - v.blocksRun} of ${v.blocksTotal} (must be > 0)`
    )
    check(
      v.theoreticalSpeedup >= floors.minTheoretical,
      `theoretical speedup ${v.theoreticalSpeedup.toFixed(3)}× (floor ${floors.minTheoretical}×)`
    )
    check(
      v.psnrPooled !== null && v.psnrPooled >= floors.minPsnr,
      `PSNR ${v.psnrPooled?.toFixed(2) ?? '—'} dB vs uncached, pooled (floor ${floors.minPsnr} dB)`
    )
    check(
      v.adherenceDelta !== null && v.adherenceDelta >= -floors.maxAdherenceDrop,
      `adherence vs uncached ${v.adherenceDelta?.toFixed(3) ?? '—'} (floor −${floors.maxAdherenceDrop})`
    )
    const bv = base?.variants.find((x) => x.id === id)
    for (const s of v.samples) {
      const bs = bv?.samples.find((x) => x.prompt === s.prompt && x.seed === s.seed)
      if (!bs) continue
      const now = s.blocksTotal / s.blocksRun
      const then = bs.blocksTotal / bs.blocksRun
      check(
        now >= then * (1 - floors.baselineTolerance),
        `"${s.prompt}" seed ${s.seed}: theoretical ${now.toFixed(3)}× vs baseline ${then.toFixed(3)}× (tolerance ${floors.baselineTolerance * 100} %)`
      )
      if (s.psnr !== null && bs.psnr !== null)
        check(
          s.psnr >= bs.psnr - floors.baselinePsnrDropDb,
          `"${s.prompt}" seed ${s.seed}: PSNR ${s.psnr.toFixed(2)} dB vs baseline ${bs.psnr.toFixed(2)} dB (tolerance ${floors.baselinePsnrDropDb} dB)`
        )
    }
  }
  out.push(...spreadCheck(b, floors.spread))
  return out
}

/** The steadiness of the uncached variant's step times within this run. */
export function spreadCheck(b: ModelBench, bounds: SpreadBounds): CiFinding[] {
  const out: CiFinding[] = []
  for (const id of bounds.variants) {
    const v = b.variants.find((x) => x.id === id)
    const s = v?.stepSpread ?? null
    if (!s) {
      out.push({ ok: false, line: `${b.model} ${id}: no warm step times to measure the spread of` })
      continue
    }
    out.push({
      ok: s.p90OverP10 <= bounds.maxP90OverP10,
      line: `${b.model} ${id}: step time P90/P10 ${s.p90OverP10.toFixed(2)} over ${s.steps} steps (bound ${bounds.maxP90OverP10})`
    })
    out.push({
      ok: s.runMedianRatio <= bounds.maxRunMedianRatio,
      line: `${b.model} ${id}: slowest/fastest run median step ${s.runMedianRatio.toFixed(2)} over ${s.runs} runs (bound ${bounds.maxRunMedianRatio})`
    })
  }
  return out
}
