import { checkBlockBudget, type CacheConfig } from '../../../shared/cache-config'
import { summarizeTraces } from '../../../shared/cache-summary'
import type { Branch, CacheSummary, StepTrace } from '../../../shared/trace'
import { sameShape, tensor, type Tensor } from '../tensor'
import { ContextState } from './context-state'
import { decide, type Decision } from './decision'
import { probeDims, residualProbeInto } from './distance'
import { assertFinite } from './non-finite'
import type { BlockRunner, CallInfo, StepCache, Streams } from './seam'

/** The contexts of one (transformer, block list): its branches share the step index. */
interface ContextGroup {
  readonly states: Map<Branch, ContextState>
  /** The scheduler step of the last call and this context's own index for it (§5.4). */
  lastStep: number | null
  localStep: number
  /** Transformer calls since the last (re)start, both branches (force_refresh_step_hint). */
  calls: number
}

/**
 * DBCache (Dual Block Cache) over every block list the pipeline names, as CacheDiT's
 * `pattern_base.py` forward reads: run Fn → decide on the Fn residual → either add the cached
 * (or TaylorSeer-forecast) middle residual and run Bn, or run the middle, refresh the cache
 * and run Bn. State is kept per (transformer, context, branch); see docs/cache-algorithm.md §2 and §4–5.
 */
export class DBCache implements StepCache {
  readonly config: CacheConfig
  #groups = new Map<string, ContextGroup>()
  #traces: StepTrace[] = []
  #drained = 0

  constructor(config: CacheConfig) {
    this.config = config
  }

  beginGeneration(): void {
    this.#groups.clear()
    this.#traces = []
    this.#drained = 0
  }

  traces(): readonly StepTrace[] {
    return this.#traces
  }

  drainTraces(): StepTrace[] {
    const fresh = this.#traces.slice(this.#drained)
    this.#drained = this.#traces.length
    return fresh
  }

  summary(): CacheSummary {
    return summarizeTraces(this.#traces)
  }

  heldBytes(): number {
    let n = 0
    for (const group of this.#groups.values()) for (const st of group.states.values()) n += st.heldBytes()
    return n
  }

  async runBlocks(call: CallInfo, runner: BlockRunner): Promise<Streams> {
    const c = this.config
    const n = runner.blockCount
    const { state, step: s } = this.#enter(call)
    const where = `${state.label}, step ${call.step}`
    let ms = 0
    const timed = async <T>(f: () => Promise<T>): Promise<T> => {
      const t0 = performance.now()
      const out = await f()
      ms += performance.now() - t0
      return out
    }
    const run = (from: number, to: number, streams: Streams): Promise<Streams> =>
      from === to ? Promise.resolve(streams) : timed(() => runner.run(from, to, streams))

    if (!c.enabled) {
      const out = await timed(async () => (runner.runAll ? runner.runAll() : (await runner.enter(n)).output))
      state.markComputed()
      return this.#finish(call, out, { cached: false, reason: 'disabled', distance: null }, n, n, ms, where)
    }
    const budget = checkBlockBudget(c, n, `${call.transformer}/${call.context}`)
    if (budget !== null) throw new Error(budget)
    const midEnd = n - c.Bn

    // (a) Front blocks, always; their hidden residual is the probe.
    const { input, output: front } = await timed(() => runner.enter(c.Fn))
    if (!sameShape(front.hidden, input.hidden)) {
      throw new Error(
        `${where}: the Fn blocks changed hidden_states from [${input.hidden.dims.join(', ')}] to [${front.hidden.dims.join(', ')}]`
      )
    }
    const dims = probeDims(input.hidden.dims, c.downsampleFactor)
    const probe = state.probeBuffer(dims.reduce((a, b) => a * b, 1))
    residualProbeInto(probe, front.hidden, input.hidden, c.downsampleFactor)

    // (b) Decision (gates in CacheDiT's order).
    const decision = decide(c, {
      step: s,
      cachedCount: state.cachedCount,
      runLength: state.runLength,
      accumulatedDiff: state.accumulatedDiff,
      probe,
      reference: state.reference,
      shapeChanged: state.reference !== null && !fitsStored(state, dims, front),
      sharedDistance: this.#sharedDistance(call)
    })
    // Only finite distances are recorded: NaN/Inf say "no usable reference", not a distance.
    if (decision.distance !== null && Number.isFinite(decision.distance))
      state.recordDiff(call.step, decision.distance)

    let middle: Streams
    if (decision.cached) {
      // (c) Cached: current Fn output + stored (or forecast) middle residual; middle skipped.
      state.markCached()
      middle = {
        hidden: this.#reconstruct(state, 'hidden', front.hidden, input.hidden, s),
        encoder:
          front.encoder !== null && state.hasEncoder
            ? this.#reconstruct(state, 'encoder', front.encoder, input.encoder, s)
            : front.encoder
      }
    } else {
      // (d) Computed: the probe becomes the reference, the middle runs, its residual is stored.
      state.adoptProbeAsReference(dims)
      state.markComputed()
      middle = await run(c.Fn, midEnd, front)
      this.#store(state, front, middle, s)
    }
    const out = await run(midEnd, n, middle)
    const blocksRun = decision.cached ? c.Fn + c.Bn : n
    return this.#finish(call, out, decision, blocksRun, n, ms, where)
  }

  /** The state of this call's context and branch, and the context's own step index s. */
  #enter(call: CallInfo): { state: ContextState; step: number } {
    const key = groupKey(call)
    let group = this.#groups.get(key)
    if (!group) {
      group = { states: new Map(), lastStep: null, localStep: -1, calls: 0 }
      this.#groups.set(key, group)
    }
    const hint = this.config.forceRefreshStepHint
    if (hint !== null && group.calls > 0) {
      const due =
        this.config.forceRefreshStepPolicy === 'once' ? group.calls === hint : group.calls % hint === 0
      if (due) {
        for (const st of group.states.values()) st.restart()
        group.lastStep = null
        group.localStep = -1
        if (this.config.forceRefreshStepPolicy === 'repeat') group.calls = 0
      }
    }
    if (group.lastStep !== call.step) {
      group.lastStep = call.step
      group.localStep++
    }
    group.calls++
    let state = group.states.get(call.branch)
    if (!state) {
      state = new ContextState(call.transformer, call.context, call.branch, this.config)
      group.states.set(call.branch, state)
    }
    return { state, step: group.localStep }
  }

  /** cfgDiffComputeSeparate off: uncond reuses the distance cond recorded for this step. */
  #sharedDistance(call: CallInfo): number | undefined {
    if (this.config.cfgDiffComputeSeparate || call.branch !== 'uncond') return undefined
    return this.#groups.get(groupKey(call))?.states.get('cond')?.residualDiffs.get(call.step)
  }

  #usesHiddenStates(stream: 'hidden' | 'encoder'): boolean {
    const ts = this.config.taylorSeer
    return ts.enabled && ts.cacheType === 'hidden_states' && (stream === 'hidden' || ts.encoder)
  }

  #reconstruct(
    state: ContextState,
    stream: 'hidden' | 'encoder',
    front: Tensor,
    input: Tensor | null,
    s: number
  ): Tensor {
    // 'residual': Fn output + forecast residual; 'hidden_states': the forecast middle output alone.
    // The Fn output is the caller's (seam.ts, "Ownership") and nothing reads it after this, so the
    // residual is added in place, without a copy of the stream, unless the Fn blocks passed the
    // call's input through unchanged (then it is the runner's).
    const out = this.#usesHiddenStates(stream)
      ? new Float32Array(front.data.length)
      : input !== null && front.data === input.data
        ? front.data.slice()
        : front.data
    state[stream].accumulateInto(out, s)
    return tensor(out, front.dims)
  }

  #store(state: ContextState, front: Streams, middle: Streams, s: number): void {
    state.hidden.update(
      this.#middleValue(state, 'hidden', front.hidden, middle.hidden),
      middle.hidden.dims,
      s
    )
    const fe = front.encoder
    const me = middle.encoder
    // Encoder residual only when both sides exist (Pattern_3 has none; Pattern_4/5 produce one).
    state.hasEncoder = fe !== null && me !== null && sameShape(fe, me)
    if (state.hasEncoder && fe !== null && me !== null) {
      state.encoder.update(this.#middleValue(state, 'encoder', fe, me), me.dims, s)
    } else {
      state.encoder.reset()
    }
  }

  #middleValue(
    state: ContextState,
    stream: 'hidden' | 'encoder',
    before: Tensor,
    after: Tensor
  ): Float32Array {
    if (this.#usesHiddenStates(stream)) return after.data
    const out = state.scratch(after.data.length)
    for (let i = 0; i < out.length; i++) out[i] = after.data[i] - before.data[i]
    return out
  }

  #finish(
    call: CallInfo,
    out: Streams,
    d: Decision,
    blocksRun: number,
    blocksTotal: number,
    ms: number,
    where: string
  ): Streams {
    assertFinite(out.hidden, `hidden_states after ${where}`)
    assertFinite(out.encoder, `encoder_hidden_states after ${where}`)
    this.#traces.push({
      step: call.step,
      timestep: call.timestep,
      branch: call.branch,
      transformer: call.transformer,
      context: call.context,
      // Non-finite distances (all-zero reference) are not numbers the trace schema can carry.
      distance: d.distance !== null && Number.isFinite(d.distance) ? d.distance : null,
      threshold: this.config.residualDiffThreshold,
      cached: d.cached,
      reason: d.reason,
      blocksRun,
      blocksTotal,
      ms
    })
    return out
  }
}

function groupKey(call: CallInfo): string {
  return `${call.transformer}\u0000${call.context}`
}

/** Whether the stored reference and middle values still fit this call's streams. */
function fitsStored(state: ContextState, dims: readonly number[], front: Streams): boolean {
  const same = (a: readonly number[] | null, b: readonly number[]): boolean =>
    a !== null && a.length === b.length && a.every((d, i) => d === b[i])
  if (!same(state.referenceDims, dims) || !same(state.hidden.dims, front.hidden.dims)) return false
  if (state.hasEncoder && (front.encoder === null || !same(state.encoder.dims, front.encoder.dims)))
    return false
  return true
}
