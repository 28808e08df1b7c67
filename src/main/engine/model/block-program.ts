import type { ContextCrossRead, CrossReadLayout } from '../../../shared/cross-block-reads'
import type { ForwardPattern } from '../../../shared/manifest'
import type { ConcreteProvider } from '../../../shared/providers'
import type { BlockRunner, Streams } from '../cache/seam'
import type { Tensor } from '../tensor'
import { blockPieces, checkBlockRange, DEFAULT_MAX_SEGMENT_BLOCKS } from './block-pieces'
import type { PairedLane } from './cfg-pairing'
import { graphOutputNames, type ModelProto } from './onnx-graph'
import { splitEmbedOutputs } from './patterns'
import {
  runOn,
  SegmentSessions,
  type BlockMode,
  type BlockSource,
  type Lane,
  type SessionPair
} from './segment-sessions'
import {
  embedFeeds,
  enteredContext,
  enteredFetches,
  segmentFeeds,
  streamsOut,
  type FinalStash
} from './segment-io'
import type { Feed, Fetched, SessionTuning } from './session'

export type { BlockMode, BlockSource, Lane } from './segment-sessions'

/** Where a runner's session calls go: a lane, or CFG's pairer (model/cfg-pairing.ts). */
export type RunnerLane = Lane | PairedLane

/**
 * One cache context's blocks (a block list, or several lists of one pattern merged) and the
 * sessions that run them. `segments` compiles each requested range [from, to) into one graph on
 * first use and keeps its session (the cache asks for [0,Fn), [Fn,N−Bn), [N−Bn,N), or [0,N));
 * `blocks` runs one session per block, chained here: the slow baseline the benchmark compares.
 *
 * With `tuning.cfgLanes` 2 (segments mode) every segment has a twin session in the session lane
 * (model/session-lane.ts): a runner of lane 1 runs there, so CFG's uncond call overlaps the cond
 * call. Both sessions come from the same graph bytes and options, so they compute the same numbers.
 * The sessions themselves (compiled, kept, twinned) are model/segment-sessions.ts's; this file
 * runs them: the ranges a call asks for, cut into pieces (model/block-pieces.ts), with the streams
 * and context between (what a session is fed and gives back: model/segment-io.ts).
 */

/** Called before every session call; throws to stop (cancel takes effect here). */
export type BeforeCall = () => void

/** Where a transformer call's blocks start. */
export type Entry =
  /** The embed graph's feeds: the program's first segment runs the embed graph too. */
  | { kind: 'embed'; feeds: Readonly<Record<string, Feed>> }
  /** Streams and context tensors made before this context (the embed session, an earlier context). */
  | { kind: 'streams'; streams: Streams; context: Readonly<Record<string, Fetched>> }

/**
 * The runner of one context in one transformer call. Its last segment may have computed the
 * final graph too: when the streams the cache hands back are exactly that segment's output, the
 * velocity is ready and the final graph needs no session call of its own.
 */
export interface CallRunner extends BlockRunner {
  /**
   * The call's context tensors (temb, …): with an embed entry, known once enter() has run. An
   * imported model's may be opaque (int64 shapes, fp16), passed on to later graphs unread.
   */
  context(): Readonly<Record<string, Fetched>>
  velocityFor(hidden: Tensor): Tensor | null
}

/** What #enter gives: the streams entering block 0 only where they were asked for. */
interface Entered<Want extends boolean> {
  input: Want extends true ? Streams : null
  output: Streams
  context: Record<string, Fetched>
}

export class BlockProgram {
  /** The cache context name: the block list, or merged lists joined by '+'. */
  readonly name: string
  readonly transformer: string
  readonly pattern: ForwardPattern
  readonly #blockCount: number
  readonly #sessions: SegmentSessions
  readonly #tuning: SessionTuning
  readonly mode: BlockMode
  readonly #maxSegmentBlocks: number
  /** For checkBlockBudget: which blocks read what others made, and how ranges become sessions. */
  readonly crossReads: CrossReadLayout
  /**
   * The embed graph, fused into the first segment of a call that enters with embed feeds
   * (segments mode, first context only): a cache-off call is then one session call, like the
   * whole transformer as one graph, instead of an embed call and a segment call.
   */
  readonly #embed: ModelProto | null
  readonly #embedOutputs: readonly string[]

  constructor(
    transformer: string,
    name: string,
    pattern: ForwardPattern,
    blocks: readonly BlockSource[],
    provider: ConcreteProvider,
    tuning: SessionTuning,
    mode: BlockMode,
    fused: {
      final?: ModelProto | null
      embed?: ModelProto | null
      maxSegmentBlocks?: number
      /** Where the graphs' external-data initializers resolve (imported models); see Session.create. */
      externalDataDir?: string
      /** The context's cross-block reads (an imported model's; shared/cross-block-reads.ts). */
      crossReads?: readonly ContextCrossRead[]
    } = {}
  ) {
    this.transformer = transformer
    this.name = name
    this.pattern = pattern
    this.#blockCount = blocks.length
    this.#tuning = tuning
    this.mode = mode
    const maxSegmentBlocks = fused.maxSegmentBlocks ?? DEFAULT_MAX_SEGMENT_BLOCKS
    if (!Number.isInteger(maxSegmentBlocks) || maxSegmentBlocks < 1) {
      throw new Error(`maxSegmentBlocks must be a positive integer, got ${maxSegmentBlocks}`)
    }
    this.#maxSegmentBlocks = maxSegmentBlocks
    this.crossReads = { reads: fused.crossReads ?? [], perBlock: mode === 'blocks', maxSegmentBlocks }
    this.#embed = mode === 'segments' ? (fused.embed ?? null) : null
    this.#embedOutputs = this.#embed ? graphOutputNames(this.#embed) : []
    this.#sessions = new SegmentSessions({
      transformer,
      name,
      pattern,
      blocks,
      provider,
      tuning,
      mode,
      lanes: this.lanes,
      // The final graph, fused into segments that end at the last block (segments mode only).
      final: mode === 'segments' ? (fused.final ?? null) : null,
      embed: this.#embed,
      externalDataDir: fused.externalDataDir
    })
  }

  /** Whether CFG's branches may share session calls (model/cfg-pairing.ts): `cfgBatch`, segments, one lane. */
  get pairsCfg(): boolean {
    return this.mode === 'segments' && this.#tuning.cfgBatch === true && this.lanes === 1
  }

  /** Whether calls enter this program with the embed graph's feeds (else with streams). */
  get fusesEmbed(): boolean {
    return this.#embed !== null
  }

  get blockCount(): number {
    return this.#blockCount
  }

  /** Lanes a runner may use: 2 with `cfgLanes` 2 in segments mode, else 1. */
  get lanes(): 1 | 2 {
    return this.mode === 'segments' && this.#tuning.cfgLanes === 2 ? 2 : 1
  }

  /** A runner for one transformer call of this context. */
  runner(entry: Entry, beforeCall: BeforeCall, lane: RunnerLane = 0): CallRunner {
    if (typeof lane === 'object' && this.mode !== 'segments')
      throw new Error(
        `${this.transformer}/${this.name}: CFG pairing needs segments (one batch size per graph)`
      )
    if (lane === 1 && this.lanes < 2)
      throw new Error(`${this.transformer}/${this.name}: lane 1 asked for but the program has one lane`)
    const stash: FinalStash = { hidden: null, velocity: null }
    let context = entry.kind === 'streams' ? entry.context : null
    const bound = (): Readonly<Record<string, Fetched>> => {
      if (!context) throw new Error(`${this.transformer}/${this.name}: blocks asked for before enter()`)
      return context
    }
    return {
      blockCount: this.blockCount,
      enter: async (to) => {
        if (entry.kind === 'streams') {
          const output = await this.run(0, to, entry.streams, entry.context, beforeCall, stash, lane)
          return { input: entry.streams, output }
        }
        const entered = await this.#enter(to, entry.feeds, beforeCall, stash, lane, true)
        context = entered.context
        return { input: entered.input, output: entered.output }
      },
      run: (from, to, input) => this.run(from, to, input, bound(), beforeCall, stash, lane),
      runAll: async () => {
        const n = this.blockCount
        if (entry.kind === 'streams')
          return this.run(0, n, entry.streams, entry.context, beforeCall, stash, lane)
        const entered = await this.#enter(n, entry.feeds, beforeCall, stash, lane, false)
        context = entered.context
        return entered.output
      },
      context: bound,
      velocityFor: (hidden) => (stash.hidden !== null && stash.hidden === hidden ? stash.velocity : null)
    }
  }

  async run(
    from: number,
    to: number,
    input: Streams,
    context: Readonly<Record<string, Fetched>>,
    beforeCall: BeforeCall,
    stash: FinalStash = { hidden: null, velocity: null },
    lane: RunnerLane = 0
  ): Promise<Streams> {
    this.#checkRange(from, to)
    if (from === to) return input
    let streams = input
    for (const [a, b] of this.#pieces(from, to)) {
      streams = await this.#call(a, b, streams, context, beforeCall, stash, lane)
    }
    return streams
  }

  /**
   * Embed graph + blocks [0, to) from the embed feeds; then the rest of the range as usual.
   * Without `wantInput` (runAll) the streams entering block 0 are not fetched (`input` is null):
   * ONNX Runtime copies every fetched output into a new buffer, and a call that caches nothing
   * never reads them (docs/engine.md, "Per-call overhead"). The context tensors stay: a cache may
   * hand back other streams than the last segment's, and the final graph then runs on its own.
   */
  async #enter<Want extends boolean>(
    to: number,
    feeds: Readonly<Record<string, Feed>>,
    beforeCall: BeforeCall,
    stash: FinalStash,
    lane: RunnerLane,
    wantInput: Want
  ): Promise<Entered<Want>> {
    if (!this.#embed)
      throw new Error(`${this.transformer}/${this.name}: entered with embed feeds but fuses no embed graph`)
    this.#checkRange(0, to)
    if (to === 0)
      throw new Error(`${this.transformer}/${this.name}: the embed graph runs with at least one block`)
    const [, end] = this.#pieces(0, to)[0]
    const latent = feeds.latent
    if (!latent) throw new Error(`${this.transformer}/${this.name}: embed feeds lack "latent"`)
    const batch = latent.dims[0]
    const pair = await this.#sessions.get(0, end, batch, true)
    const session = pair.local
    const picked = embedFeeds(session.inputNames, feeds, session.label)
    beforeCall()
    if (wantInput) {
      const out = await this.#runOn(pair, lane, [0, end, batch, true], picked)
      const { streams: input, context } = splitEmbedOutputs(out, this.#embedOutputs, session.label)
      const first = streamsOut(this.pattern, out, input.encoder, stash, session.label)
      const output = await this.run(end, to, first, context, beforeCall, stash, lane)
      return { input, output, context } as Entered<Want>
    }
    const fetch = enteredFetches(this.pattern, session.outputNames)
    const out = await this.#runOn(pair, lane, [0, end, batch, true], picked, fetch)
    const { context, passed } = enteredContext(this.pattern, out, this.#embedOutputs, session.label)
    const first = streamsOut(this.pattern, out, passed, stash, session.label)
    const output = await this.run(end, to, first, context, beforeCall, stash, lane)
    return { input: null, output, context } as Entered<Want>
  }

  /**
   * Creates the sessions these ranges will use at this batch size (segments are compiled for one
   * batch size each), so the first step does not pay for compiling.
   */
  async prepare(ranges: readonly (readonly [number, number])[], batch = 1): Promise<void> {
    for (const [from, to] of ranges) {
      // A fused program's calls start with the embed graph in the first piece.
      for (const [a, b] of this.#pieces(from, to))
        await this.#sessions.get(a, b, batch, a === 0 && this.fusesEmbed)
    }
  }

  async release(): Promise<void> {
    await this.#sessions.release()
  }

  /**
   * A range's session call on the runner's lane; with CFG's pairer, the range at twice the batch
   * is at hand for the pairer to run both branches at once.
   */
  #runOn(
    pair: SessionPair,
    lane: RunnerLane,
    [from, to, batch, withEmbed]: [number, number, number, boolean],
    feeds: Record<string, Feed>,
    fetch?: readonly string[]
  ): Promise<Record<string, Fetched>> {
    if (typeof lane !== 'object') return runOn(pair, lane, feeds, fetch)
    const key = `${this.name}:${withEmbed ? 'embed+' : ''}${from}:${to}:${batch}:${fetch?.join(',') ?? '*'}`
    const double = () => this.#sessions.get(from, to, 2 * batch, withEmbed)
    return lane.pairer.run(lane.branch, key, pair, double, feeds, fetch)
  }

  #checkRange(from: number, to: number): void {
    checkBlockRange(from, to, this.blockCount, `${this.transformer}/${this.name}`)
  }

  /** The session calls a range takes (model/block-pieces.ts). */
  #pieces(from: number, to: number): [number, number][] {
    return blockPieces(from, to, this.mode === 'blocks' ? 1 : this.#maxSegmentBlocks)
  }

  async #call(
    from: number,
    to: number,
    input: Streams,
    context: Readonly<Record<string, Fetched>>,
    beforeCall: BeforeCall,
    stash: FinalStash,
    lane: RunnerLane
  ): Promise<Streams> {
    const batch = input.hidden.dims[0]
    const pair = await this.#sessions.get(from, to, batch)
    const session = pair.local
    const feeds = segmentFeeds(session.inputNames, input, context, session.label)
    beforeCall()
    const out = await this.#runOn(pair, lane, [from, to, batch, false], feeds)
    return streamsOut(this.pattern, out, input.encoder, stash, session.label)
  }
}
