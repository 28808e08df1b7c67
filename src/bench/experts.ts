import type { GenerationResult } from '../shared/generation'
import type { ExpertResult } from './result'
import { median } from './stats'

/**
 * The bench's figures per transformer ("expert"): Wan 2.2 switches from `transformer` to
 * `transformer_2` at its boundary timestep and each keeps its own cache context (its own warmup
 * and step count), so one variant can skip many blocks of one expert and none of the other. The
 * trace names the transformer of every decision; a step's wall time (timings.perStepMs) goes to
 * the transformer(s) it called: all of it when the step called one (Wan's cond and uncond calls
 * are the same expert's; SD3 has one transformer), else split in proportion to their block time
 * in the trace. That time is the expert's calls plus the step's guidance and scheduler update,
 * which cost the same cached or not; it is what the per-expert speedup divides.
 */

/** One generation's figures of one transformer. */
export interface ExpertRun {
  transformer: string
  /** Denoising steps that called it. */
  steps: number
  /** Cache decisions (one per call and block list) and how many of them were cached. */
  decisions: number
  cachedDecisions: number
  blocksRun: number
  blocksTotal: number
  /** Its share of the denoising steps' wall time (see above). */
  ms: number
}

/** Every transformer of `names` (the model's order), also one this run never called (zeros). */
export function expertRuns(result: GenerationResult, names: readonly string[]): ExpertRun[] {
  const runs = new Map<string, ExpertRun>()
  const of = (name: string): ExpertRun => {
    let r = runs.get(name)
    if (!r) {
      r = {
        transformer: name,
        steps: 0,
        decisions: 0,
        cachedDecisions: 0,
        blocksRun: 0,
        blocksTotal: 0,
        ms: 0
      }
      runs.set(name, r)
    }
    return r
  }
  for (const n of names) of(n)
  // Per step: the block time of each transformer it called.
  const byStep = new Map<number, Map<string, number>>()
  for (const t of result.trace) {
    const r = of(t.transformer)
    r.decisions++
    if (t.cached) r.cachedDecisions++
    r.blocksRun += t.blocksRun
    r.blocksTotal += t.blocksTotal
    const step = byStep.get(t.step) ?? new Map<string, number>()
    step.set(t.transformer, (step.get(t.transformer) ?? 0) + t.ms)
    byStep.set(t.step, step)
  }
  const perStep = result.timings.perStepMs
  for (const [step, blockMs] of byStep) {
    const wall = perStep[step]
    if (wall === undefined)
      throw new Error(`the trace names step ${step}, the timings have ${perStep.length}`)
    const total = [...blockMs.values()].reduce((a, b) => a + b, 0)
    for (const [name, ms] of blockMs) {
      const r = of(name)
      r.steps++
      r.ms += blockMs.size === 1 ? wall : total > 0 ? (wall * ms) / total : wall / blockMs.size
    }
  }
  return [...runs.values()]
}

/** What the bench collects per transformer of one variant. */
export interface ExpertAcc {
  /** From the sample runs (the first repeat of each prompt and seed), as the variant's blocks. */
  counted: Map<string, Omit<ExpertRun, 'transformer' | 'ms'>>
  /** Every timed run's ms. */
  ms: Map<string, number[]>
  /** t(none) / t(variant) of each timed pair, as the variant's own speedup. */
  pairs: Map<string, number[]>
}

export function emptyExpertAcc(): ExpertAcc {
  return { counted: new Map(), ms: new Map(), pairs: new Map() }
}

const push = (m: Map<string, number[]>, key: string, x: number) => m.set(key, [...(m.get(key) ?? []), x])

export function recordExpertTimes(a: ExpertAcc, runs: readonly ExpertRun[]): void {
  for (const r of runs) if (r.steps > 0) push(a.ms, r.transformer, r.ms)
}

export function countExpertBlocks(a: ExpertAcc, runs: readonly ExpertRun[]): void {
  for (const r of runs) {
    const c = a.counted.get(r.transformer) ?? {
      steps: 0,
      decisions: 0,
      cachedDecisions: 0,
      blocksRun: 0,
      blocksTotal: 0
    }
    c.steps += r.steps
    c.decisions += r.decisions
    c.cachedDecisions += r.cachedDecisions
    c.blocksRun += r.blocksRun
    c.blocksTotal += r.blocksTotal
    a.counted.set(r.transformer, c)
  }
}

/**
 * A cached run's time per expert against the mean of its two uncached neighbours', as the
 * variant's whole-output speedup is measured (model-bench.ts).
 */
export function recordExpertPair(
  a: ExpertAcc,
  before: readonly ExpertRun[],
  run: readonly ExpertRun[],
  after: readonly ExpertRun[]
): void {
  for (const r of run) {
    const b = before.find((x) => x.transformer === r.transformer)
    const f = after.find((x) => x.transformer === r.transformer)
    if (!b || !f || r.steps === 0 || r.ms <= 0) continue
    push(a.pairs, r.transformer, (b.ms + f.ms) / 2 / r.ms)
  }
}

/** The per-expert rows of a variant; `none` is its own reference (speedup 1). */
export function summarizeExperts(a: ExpertAcc | null, isNone: boolean): ExpertResult[] {
  if (!a) return []
  return [...a.counted].map(([transformer, c]) => {
    const ms = a.ms.get(transformer) ?? []
    const pairs = a.pairs.get(transformer) ?? []
    return {
      transformer,
      ...c,
      skippedFraction: c.blocksTotal === 0 ? 0 : 1 - c.blocksRun / c.blocksTotal,
      theoreticalSpeedup: c.blocksRun === 0 ? 1 : c.blocksTotal / c.blocksRun,
      medianMs: ms.length ? median(ms) : null,
      speedup: isNone ? (ms.length ? 1 : null) : pairs.length ? median(pairs) : null
    }
  })
}
