import type { SessionTuning } from './model/session'
import type { StoredLayout } from './thread-layout-store'

/**
 * Which thread layout a model loads with (docs/engine.md, "CFG parallelism"): what the caller set
 * wins (`intraOpThreads` N > 0, or `cfgLanes`); else this machine's measurement for the model
 * (`studio tune-threads`, thread-layout-store.ts); else a default from the model: a model whose
 * CFG runs as two calls gets two lanes of half the cores each on two or more cores (its cond and
 * uncond calls then run at once) and on one core its two calls batched into one (cfg-pairing.ts:
 * one call of two rows costs far less than two calls), any other one lane with ONNX Runtime's own
 * thread count.
 */

export type LayoutSource = 'explicit' | 'stored' | 'default'

export interface ChosenLayout {
  /** 0: ONNX Runtime's choice (one per physical core). */
  intraOpThreads: number
  cfgLanes: 1 | 2
  /** CFG's two calls in shared batch-2 session calls (one lane only); absent when not. */
  cfgBatch?: true
  source: LayoutSource
}

/** Whether the caller left the layout to the engine: no thread count (0) and no lane count. */
export function layoutIsAuto(tuning: SessionTuning | undefined): boolean {
  return (
    !tuning || (tuning.intraOpThreads === 0 && tuning.cfgLanes === undefined && tuning.cfgBatch === undefined)
  )
}

export function chooseLayout(o: {
  tuning: SessionTuning | undefined
  stored: StoredLayout | null
  /** The model's default CFG mode; undefined where the package does not say (imported families). */
  separateCfg: boolean | undefined
  cores: number
}): ChosenLayout {
  const t = o.tuning
  if (t && !layoutIsAuto(t)) {
    const cfgLanes = t.cfgLanes ?? 1
    // Lanes asked for without a thread count share the cores; one lane keeps ORT's choice.
    const threads = t.intraOpThreads > 0 ? t.intraOpThreads : cfgLanes === 2 ? half(o.cores) : 0
    return {
      intraOpThreads: threads,
      cfgLanes,
      ...(cfgLanes === 1 && t.cfgBatch === true ? { cfgBatch: true as const } : {}),
      source: 'explicit'
    }
  }
  if (o.stored) {
    const { cfgBatch, ...rest } = o.stored
    return { ...rest, ...(cfgBatch ? { cfgBatch: true as const } : {}), source: 'stored' }
  }
  if (o.separateCfg === true && o.cores >= 2)
    return { intraOpThreads: half(o.cores), cfgLanes: 2, source: 'default' }
  if (o.separateCfg === true) return { intraOpThreads: 1, cfgLanes: 1, cfgBatch: true, source: 'default' }
  return { intraOpThreads: 0, cfgLanes: 1, source: 'default' }
}

/** The SessionTuning of a choice, keeping the caller's other settings (spinning). */
export function tuningFor(choice: ChosenLayout, tuning: SessionTuning | undefined): SessionTuning {
  return {
    ...tuning,
    intraOpThreads: choice.intraOpThreads,
    cfgLanes: choice.cfgLanes,
    cfgBatch: choice.cfgBatch
  }
}

function half(cores: number): number {
  return Math.max(1, Math.floor(cores / 2))
}
