import type { CacheConfig } from '../../../shared/cache-config'
import type { Branch } from '../../../shared/trace'
import type { Calibrator } from './calibrator'
import { ResidualStore } from './residual-store'
import { TaylorSeer } from './taylorseer'

/**
 * Cache state of one (transformer, block list, CFG branch): the buffers DBCache compares and
 * reuses and the counters its gates read (the summary is computed from the trace). Like
 * diffusers' `FBCSharedBlockState`, one object per context name with a reset (`restart()`);
 * CacheDiT keeps the same things in `CachedContext` (with a `cfg_` twin for the uncond branch).
 */
export class ContextState {
  readonly transformer: string
  readonly context: string
  readonly branch: Branch

  // --- decision buffers (reset on a new generation or forced refresh) ---
  /** Fn residual probe of the last computed step: the reference every later call compares to. */
  reference: Float32Array | null = null
  referenceDims: readonly number[] | null = null
  /** Scratch the current probe is written into; swapped with `reference` on computed steps. */
  probe: Float32Array = new Float32Array(0)
  /** Middle-block residual (or output) of the hidden and encoder streams, or their forecasters. */
  readonly hidden: Calibrator
  readonly encoder: Calibrator
  /** Whether the last computed step stored an encoder value (both sides of the middle had one). */
  hasEncoder = false
  #scratch = new Float32Array(0)

  // --- gate counters ---
  /** Consecutive cached steps since the last computed one: a true run length. */
  runLength = 0
  accumulatedDiff = 0

  // --- kept across forced refreshes, cleared per generation (CacheDiT keeps its lists too) ---
  /** Cached steps so far: `maxCachedSteps` counts these. */
  cachedCount = 0
  /** Scheduler step → distance; first value per step wins, as CacheDiT's `add_residual_diff`. */
  readonly residualDiffs = new Map<number, number>()

  constructor(transformer: string, context: string, branch: Branch, config: CacheConfig) {
    this.transformer = transformer
    this.context = context
    this.branch = branch
    const ts = config.taylorSeer
    this.hidden = ts.enabled ? new TaylorSeer(ts.order) : new ResidualStore()
    this.encoder = ts.enabled && ts.encoder ? new TaylorSeer(ts.order) : new ResidualStore()
  }

  get label(): string {
    return `${this.transformer}/${this.context} (${this.branch})`
  }

  /**
   * A fresh start that keeps the statistics (CacheDiT's `force_refresh_step_hint`). The cached-step
   * count survives, so `maxCachedSteps` keeps counting across the refresh, as in CacheDiT.
   */
  restart(): void {
    this.reference = null
    this.referenceDims = null
    this.hidden.reset()
    this.encoder.reset()
    this.hasEncoder = false
    this.runLength = 0
    this.accumulatedDiff = 0
  }

  /** Makes the probe just written the reference (no copy: the buffers swap). */
  adoptProbeAsReference(dims: readonly number[]): void {
    const old = this.reference
    this.reference = this.probe
    this.referenceDims = [...dims]
    this.probe = old ?? new Float32Array(0)
  }

  /** Scratch for the middle residual before a calibrator copies it. */
  scratch(size: number): Float32Array {
    if (this.#scratch.length !== size) this.#scratch = new Float32Array(size)
    return this.#scratch
  }

  /** A buffer of `size` values for the next probe, reused when the size is unchanged. */
  probeBuffer(size: number): Float32Array {
    if (this.probe.length !== size) this.probe = new Float32Array(size)
    return this.probe
  }

  /** Bytes of every buffer this context holds: probe, reference, scratch and the calibrators'. */
  heldBytes(): number {
    return (
      (this.reference?.byteLength ?? 0) +
      this.probe.byteLength +
      this.#scratch.byteLength +
      this.hidden.heldBytes() +
      this.encoder.heldBytes()
    )
  }

  recordDiff(step: number, distance: number): void {
    if (this.residualDiffs.has(step)) return
    this.residualDiffs.set(step, distance)
    if (distance > 0) this.accumulatedDiff += distance
  }

  markCached(): void {
    this.cachedCount++
    this.runLength++
  }

  markComputed(): void {
    this.runLength = 0
  }
}
