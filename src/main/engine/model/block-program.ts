import type { ForwardPattern } from '../../../shared/manifest'
import type { ConcreteProvider } from '../../../shared/providers'
import type { BlockRunner, Streams } from '../cache/seam'
import { EngineFailure } from '../errors'
import type { Tensor } from '../tensor'
import type { ModelProto } from './onnx-graph'
import { ENCODER, ENCODER_OUT, HIDDEN, HIDDEN_OUT, PATTERN_IO } from './patterns'
import { compileSegment } from './segments'
import { Session, type SessionTuning } from './session'

/**
 * One cache context's blocks (a block list, or several lists of one pattern merged) and the
 * sessions that run them. `segments` compiles each requested range [from, to) into one graph on
 * first use and keeps its session (the cache asks for [0,Fn), [Fn,N−Bn), [N−Bn,N), or [0,N));
 * `blocks` runs one session per block, chained here: the slow baseline the benchmark compares.
 */

export type BlockMode = 'segments' | 'blocks'

/**
 * Longest run of blocks compiled into one graph (see #pieces for why there is a limit). A cut
 * costs more than its session call: on shapes-flux-tiny (24 blocks, 1 thread; bench-segments)
 * one segment ran +4 % CPU time per step over the whole transformer as one graph, two segments of
 * 12 +9 %. 24 keeps every range of our models whole and bounds the creation time of bigger ones.
 */
export const DEFAULT_MAX_SEGMENT_BLOCKS = 24

export interface BlockSource {
  file: string
  bytes: Uint8Array
  model: ModelProto
}

/** Called before every session call; throws to stop (cancel takes effect here). */
export type BeforeCall = () => void

/**
 * A runner whose last segment may have computed the transformer's final graph too: when the
 * streams the cache hands back are exactly that segment's output, the velocity is ready and the
 * final graph needs no session call of its own.
 */
export interface FusedRunner extends BlockRunner {
  velocityFor(hidden: Tensor): Tensor | null
}

interface FinalStash {
  hidden: Tensor | null
  velocity: Tensor | null
}

export class BlockProgram {
  /** The cache context name: the block list, or merged lists joined by '+'. */
  readonly name: string
  readonly transformer: string
  readonly pattern: ForwardPattern
  readonly #blocks: readonly BlockSource[]
  readonly #sessions = new Map<string, Promise<Session>>()
  readonly #provider: ConcreteProvider
  readonly #tuning: SessionTuning
  readonly mode: BlockMode
  readonly #maxSegmentBlocks: number
  /** The final graph, fused into segments that end at the last block (segments mode only). */
  readonly #final: ModelProto | null

  constructor(
    transformer: string,
    name: string,
    pattern: ForwardPattern,
    blocks: readonly BlockSource[],
    provider: ConcreteProvider,
    tuning: SessionTuning,
    mode: BlockMode,
    maxSegmentBlocks = DEFAULT_MAX_SEGMENT_BLOCKS,
    final: ModelProto | null = null
  ) {
    this.transformer = transformer
    this.name = name
    this.pattern = pattern
    this.#blocks = blocks
    this.#provider = provider
    this.#tuning = tuning
    this.mode = mode
    if (!Number.isInteger(maxSegmentBlocks) || maxSegmentBlocks < 1) {
      throw new Error(`maxSegmentBlocks must be a positive integer, got ${maxSegmentBlocks}`)
    }
    this.#maxSegmentBlocks = maxSegmentBlocks
    this.#final = mode === 'segments' ? final : null
  }

  get blockCount(): number {
    return this.#blocks.length
  }

  /** A runner for one transformer call, its context tensors (temb, …) bound. */
  runner(context: Readonly<Record<string, Tensor>>, beforeCall: BeforeCall): FusedRunner {
    const stash: FinalStash = { hidden: null, velocity: null }
    return {
      blockCount: this.blockCount,
      run: (from, to, input) => this.run(from, to, input, context, beforeCall, stash),
      velocityFor: (hidden) => (stash.hidden !== null && stash.hidden === hidden ? stash.velocity : null)
    }
  }

  async run(
    from: number,
    to: number,
    input: Streams,
    context: Readonly<Record<string, Tensor>>,
    beforeCall: BeforeCall,
    stash: FinalStash = { hidden: null, velocity: null }
  ): Promise<Streams> {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > this.blockCount || from > to) {
      throw new Error(
        `${this.transformer}/${this.name}: bad block range [${from}, ${to}) of ${this.blockCount}`
      )
    }
    if (from === to) return input
    let streams = input
    for (const [a, b] of this.#pieces(from, to)) {
      streams = await this.#call(a, b, streams, context, beforeCall, stash)
    }
    return streams
  }

  /**
   * Creates the sessions these ranges will use at this batch size (segments are compiled for one
   * batch size each), so the first step does not pay for compiling.
   */
  async prepare(ranges: readonly (readonly [number, number])[], batch = 1): Promise<void> {
    for (const [from, to] of ranges) {
      for (const [a, b] of this.#pieces(from, to)) await this.#session(a, b, batch)
    }
  }

  async release(): Promise<void> {
    const sessions = await Promise.all(this.#sessions.values())
    this.#sessions.clear()
    await Promise.all(sessions.map((s) => s.release()))
  }

  /**
   * The session calls a range takes: one per block in `blocks` mode; in `segments` mode one per
   * run of at most maxSegmentBlocks blocks. ONNX Runtime's session creation grows about
   * quadratically with a graph's length (20 Wan-like blocks in one graph: 12.6 s to create on our
   * busy 2-core machine, as 2 graphs of 10: 6.2 s, 4 of 5: 3.6 s), so long ranges are cut.
   */
  #pieces(from: number, to: number): [number, number][] {
    const size = this.mode === 'blocks' ? 1 : this.#maxSegmentBlocks
    const pieces: [number, number][] = []
    for (let a = from; a < to; a += size) pieces.push([a, Math.min(to, a + size)])
    return pieces
  }

  async #call(
    from: number,
    to: number,
    input: Streams,
    context: Readonly<Record<string, Tensor>>,
    beforeCall: BeforeCall,
    stash: FinalStash
  ): Promise<Streams> {
    const session = await this.#session(from, to, input.hidden.dims[0])
    const feeds: Record<string, Tensor> = {}
    for (const name of session.inputNames) {
      if (name === HIDDEN) feeds[name] = input.hidden
      else if (name === ENCODER) {
        if (!input.encoder) throw new Error(`${session.label}: needs ${ENCODER} but the stream has none`)
        feeds[name] = input.encoder
      } else {
        const value = context[name]
        if (!value)
          throw new Error(`${session.label}: context tensor "${name}" was not provided by the embed graph`)
        feeds[name] = value
      }
    }
    beforeCall()
    const out = await session.run(feeds)
    const returnsEncoder = PATTERN_IO[this.pattern].returnsEncoder
    stash.hidden = out.velocity ? out[HIDDEN_OUT] : null
    stash.velocity = out.velocity ?? null
    return { hidden: out[HIDDEN_OUT], encoder: returnsEncoder ? out[ENCODER_OUT] : input.encoder }
  }

  #session(from: number, to: number, batch: number): Promise<Session> {
    // Blocks mode runs the package's own (batch-dynamic) files: one session serves every batch.
    const key = this.mode === 'blocks' ? `${from}:${to}` : `${from}:${to}:${batch}`
    let session = this.#sessions.get(key)
    if (!session) {
      session = this.#create(from, to, batch)
      // A failed compile must not poison the memo: the next request tries again.
      session.catch(() => this.#sessions.delete(key))
      this.#sessions.set(key, session)
    }
    return session
  }

  async #create(from: number, to: number, batch: number): Promise<Session> {
    const label = `${this.transformer}/${this.name}[${from}, ${to})`
    const files = `${this.#blocks[from].file}${to - from > 1 ? ` … ${this.#blocks[to - 1].file}` : ''}`
    try {
      const bytes =
        to - from === 1 && this.mode === 'blocks'
          ? this.#blocks[from].bytes
          : compileSegment(
              this.#blocks.slice(from, to).map((b) => ({ model: b.model, pattern: this.pattern })),
              from,
              label,
              to === this.blockCount ? (this.#final ?? undefined) : undefined,
              this.mode === 'segments' ? batch : undefined
            )
      return await Session.create(bytes, label, this.#provider, this.#tuning)
    } catch (e) {
      throw new EngineFailure(
        'model_invalid',
        `${files}: cannot run blocks ${label} (${(e as Error).message})`
      )
    }
  }
}
