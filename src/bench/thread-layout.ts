import { z } from 'zod'
import type { Provider } from '../shared/providers'
import type { SessionTuning } from '../main/engine/model/session'
import { loadBenchTarget, type BenchTarget } from './bench-target'
import { measure, type MeasureInput } from './measure'
import { median } from './stats'
import type { BenchVariant } from './variants'

/**
 * The thread layout of a model, chosen by measurement (issue 17: "pick thread counts per model
 * from measurement, not a constant"). Each layout is a SessionTuning: intra-op threads per
 * session and session lanes (2: CFG's uncond call in a lane of its own, model/session-lane.ts).
 * The layouts run interleaved, one generation each per round, so load that drifts during the
 * measurement slows them alike; the figure per layout is the median over rounds of its run's
 * median step time, and the ratios are medians of per-round ratios against the first layout.
 */

export const ThreadLayoutSchema = z.object({
  intraOpThreads: z.number().int().min(0),
  cfgLanes: z.union([z.literal(1), z.literal(2)]),
  spinning: z.boolean(),
  /** CFG's two calls batched into one where they run the same blocks (one lane). */
  cfgBatch: z.literal(true).optional()
})
export type ThreadLayout = z.infer<typeof ThreadLayoutSchema>

export function layoutLabel(l: ThreadLayout): string {
  return `${l.cfgLanes} lane${l.cfgLanes > 1 ? 's' : ''} × ${l.intraOpThreads} thread${l.intraOpThreads === 1 ? '' : 's'}${l.cfgBatch ? ', CFG batched' : ''}${l.spinning ? ', spinning' : ''}`
}

/**
 * The layouts worth trying on `cores` cores: one lane with 1, 2, 4… threads and all the cores, and
 * (unless `lanes` is false: CFG as one batched call never uses the second lane, nor pairs two
 * calls) two lanes splitting them and CFG's two calls batched into one on one thread.
 */
export function candidateLayouts(cores: number, spinning = false, lanes = true): ThreadLayout[] {
  const out: ThreadLayout[] = []
  const one = (t: number, cfgBatch = false): ThreadLayout => ({
    intraOpThreads: t,
    cfgLanes: 1,
    spinning,
    ...(cfgBatch ? { cfgBatch: true as const } : {})
  })
  for (let t = 1; t <= cores; t *= 2) out.push(one(t))
  if (!out.some((l) => l.intraOpThreads === cores)) out.push(one(cores))
  if (lanes && cores >= 2)
    out.push({ intraOpThreads: Math.max(1, Math.floor(cores / 2)), cfgLanes: 2, spinning })
  if (lanes) out.push(one(1, true))
  return out
}

export interface LayoutFigure {
  layout: ThreadLayout
  /** Median over rounds of the run's median ms per step. */
  msPerStep: number
  /** Median over rounds of (first layout's run median / this layout's): > 1 is faster. */
  speedupVsFirst: number
  /** Process CPU ms per step, median over rounds (all threads). */
  cpuMsPerStep: number
}

export interface LayoutMeasurement {
  /** The model as loaded: the id and provider a stored layout is keyed by (main/engine/thread-layout-store.ts). */
  model: { id: string; provider: string; separateCfg: boolean }
  figures: LayoutFigure[]
  /** The fastest layout by msPerStep. */
  best: ThreadLayout
  rounds: number
}

export async function measureLayouts(o: {
  dir: string
  provider: Provider
  layouts: readonly ThreadLayout[]
  variant: BenchVariant
  input: MeasureInput
  rounds: number
  onRound?: (line: string) => void
}): Promise<LayoutMeasurement> {
  const targets: BenchTarget[] = []
  try {
    for (const l of o.layouts) targets.push(await loadBenchTarget(o.dir, o.provider, tuningOf(l)))
    // Untimed: compiles the segments and warms both lanes' sessions.
    for (const t of targets) await measure(t, o.variant, o.input)
    const runs: number[][] = o.layouts.map(() => [])
    const cpu: number[][] = o.layouts.map(() => [])
    for (let r = 0; r < o.rounds; r++) {
      // Every order over the rounds: the layout run right after another must not always be the same.
      const order = targets.map((_, i) => (i + r) % targets.length)
      for (const i of order) {
        const m = await measure(targets[i], o.variant, o.input)
        const steps = m.result.timings.perStepMs
        runs[i].push(median(steps))
        cpu[i].push(m.cpuMs / steps.length)
      }
      o.onRound?.(
        `round ${r + 1}: ${o.layouts.map((l, i) => `${layoutLabel(l)} ${runs[i][r].toFixed(2)}`).join(' | ')}`
      )
    }
    const figures = o.layouts.map((layout, i) => ({
      layout,
      msPerStep: median(runs[i]),
      speedupVsFirst: median(runs[i].map((x, r) => runs[0][r] / x)),
      cpuMsPerStep: median(cpu[i])
    }))
    const best = figures.reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a)).layout
    const t = targets[0]
    const model = { id: t.id, provider: t.provider, separateCfg: t.defaults.separateCfg }
    return { model, figures, best, rounds: o.rounds }
  } finally {
    for (const t of targets) await t.release()
  }
}

export function tuningOf(l: ThreadLayout): SessionTuning {
  return {
    intraOpThreads: l.intraOpThreads,
    cfgLanes: l.cfgLanes,
    spinning: l.spinning,
    cfgBatch: l.cfgBatch
  }
}
