import type { ForwardPattern } from '../../../shared/manifest'
import type { ConcreteProvider } from '../../../shared/providers'
import { runtimeFailure } from '../errors'
import type { ModelProto } from './onnx-graph'
import { compileSegment } from './segments'
import { Session, type Feed, type Fetched, type RunnableSession, type SessionTuning } from './session'
import { sharedLane } from './session-lane'

/**
 * The sessions of one block program (block-program.ts): each range [from, to) it is asked to run
 * made once and kept. `segments` compiles a range into one graph at one batch size (the embed
 * graph fused in first where asked, the final graph where the range ends at the last block);
 * `blocks` runs the package's own block file. With two lanes each session has its twin in the
 * session lane (model/session-lane.ts), made from the same graph bytes and options.
 */

/** 0: this thread's sessions; 1: the session lane's twins (CFG's second branch). */
export type Lane = 0 | 1

export type BlockMode = 'segments' | 'blocks'

export interface BlockSource {
  file: string
  bytes: Uint8Array
  model: ModelProto
}

/** A range's session on this thread and, with two lanes, its twin in the lane. */
export interface SessionPair {
  local: Session
  lane: RunnableSession | null
  /** Whether a run has gone through each (the twin's first run happens beside the local one's). */
  warm: [boolean, boolean]
}

/** What the sessions are made from: the program's blocks, graphs, provider and options. */
export interface SegmentSource {
  transformer: string
  name: string
  pattern: ForwardPattern
  blocks: readonly BlockSource[]
  provider: ConcreteProvider
  tuning: SessionTuning
  mode: BlockMode
  lanes: 1 | 2
  final: ModelProto | null
  embed: ModelProto | null
  /** Where the graphs' external-data initializers resolve (imported models); see Session.create. */
  externalDataDir: string | undefined
}

export class SegmentSessions {
  readonly #source: SegmentSource
  readonly #sessions = new Map<string, Promise<SessionPair>>()

  constructor(source: SegmentSource) {
    this.#source = source
  }

  /** The session pair of [from, to) at `batch` (with the embed graph in front where `withEmbed`). */
  get(from: number, to: number, batch: number, withEmbed = false): Promise<SessionPair> {
    // Blocks mode runs the package's own (batch-dynamic) files: one session serves every batch.
    const key =
      this.#source.mode === 'blocks' ? `${from}:${to}` : `${withEmbed ? 'embed+' : ''}${from}:${to}:${batch}`
    let session = this.#sessions.get(key)
    if (!session) {
      session = this.#create(from, to, batch, withEmbed)
      // A failed compile must not poison the memo: the next request tries again.
      session.catch(() => this.#sessions.delete(key))
      this.#sessions.set(key, session)
    }
    return session
  }

  async release(): Promise<void> {
    const pairs = await Promise.all(this.#sessions.values())
    this.#sessions.clear()
    await Promise.all(pairs.flatMap((p) => [p.local.release(), ...(p.lane ? [p.lane.release()] : [])]))
  }

  async #create(from: number, to: number, batch: number, withEmbed: boolean): Promise<SessionPair> {
    const s = this.#source
    const label = `${s.transformer}/${withEmbed ? 'embed + ' : ''}${s.name}[${from}, ${to})`
    const files = `${s.blocks[from].file}${to - from > 1 ? ` … ${s.blocks[to - 1].file}` : ''}`
    try {
      const bytes =
        to - from === 1 && s.mode === 'blocks'
          ? s.blocks[from].bytes
          : compileSegment(
              s.blocks.slice(from, to).map((b) => ({ model: b.model, pattern: s.pattern })),
              {
                firstIndex: from,
                name: label,
                embed: withEmbed ? (s.embed ?? undefined) : undefined,
                final: to === s.blocks.length ? (s.final ?? undefined) : undefined,
                batch: s.mode === 'segments' ? batch : undefined
              }
            )
      const twin =
        s.lanes === 2
          ? sharedLane().createSession(bytes, label, s.provider, s.tuning, s.externalDataDir)
          : Promise.resolve(null)
      const [local, lane] = await Promise.all([
        Session.create(bytes, label, s.provider, s.tuning, s.externalDataDir),
        twin
      ])
      return { local, lane, warm: [false, false] }
    } catch (e) {
      throw runtimeFailure(e, label, {
        code: 'model_invalid',
        message: `${files}: cannot run blocks ${label} (${(e as Error).message})`
      })
    }
  }
}

/**
 * Runs a range's session on one lane. A session's first run is not a steady-state one (it plans
 * its memory): the first run of either twin also runs the other once on the same feeds,
 * concurrently, so the pipeline's warm-up (which runs branch cond only) warms both lanes.
 */
export async function runOn(
  pair: SessionPair,
  lane: Lane,
  feeds: Record<string, Feed>,
  fetch?: readonly string[]
): Promise<Record<string, Fetched>> {
  const session = lane === 1 ? pair.lane : pair.local
  if (!session) throw new Error(`${pair.local.label}: lane ${lane} has no session`)
  const other = lane === 1 ? pair.local : pair.lane
  const otherLane = lane === 1 ? 0 : 1
  const shadow = other && !pair.warm[otherLane] ? other.runMixed(feeds) : null
  pair.warm[lane] = true
  if (shadow) pair.warm[otherLane] = true
  // A lane's call is a message posted at once; this thread's blocking run starts later (onnxruntime-node
  // defers it to setImmediate), so the two overlap whichever is listed first.
  const [out] = await Promise.all([session.runMixed(feeds, fetch), shadow])
  return out
}
