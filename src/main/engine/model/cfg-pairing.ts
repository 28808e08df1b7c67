import { isOpaque, type Feed, type Fetched } from './session'
import { runOn, type SessionPair } from './segment-sessions'
import { tensor } from '../tensor'

/**
 * CFG's two branches of one step in one session call where they run the same segment: the cond
 * and uncond calls go on concurrently (each through its own cache context, model/block-program.ts),
 * and whenever both wait for the same range of blocks, the pairer runs that range once at batch 2
 * (cond's rows first) and hands each branch its own rows. Where they part — one branch's cache
 * reuses its residual while the other computes, or a range has inputs that cannot be stacked —
 * each runs alone at batch 1. A tiny model's call is ONNX Runtime's per-node work, so one call of
 * two rows costs far less than two calls (docs/engine.md, "CFG batched into one call").
 *
 * The numbers: a batch-2 graph rounds like a batch-1 one except that its matrix multiplies see
 * two rows at a time (velocities within ~1e-6 of the separate calls on shapes-flux-tiny); each
 * branch's cache still decides on its own rows.
 */

export type PairedBranch = 0 | 1

export interface PairedLane {
  pairer: CfgPairer
  branch: PairedBranch
}

interface Pending {
  key: string
  single: SessionPair
  double: () => Promise<SessionPair>
  feeds: Record<string, Feed>
  fetch: readonly string[] | undefined
  resolve: (out: Record<string, Fetched>) => void
  reject: (e: unknown) => void
}

export class CfgPairer {
  readonly #active: [boolean, boolean] = [true, true]
  readonly #pending: [Pending | null, Pending | null] = [null, null]
  #busy = false
  /** Session calls made at batch 2 and alone, for the tests and the bench's report. */
  readonly counts = { paired: 0, alone: 0 }

  /** A branch's session call of the range `key`; resolves when it (or the pair) has run. */
  run(
    branch: PairedBranch,
    key: string,
    single: SessionPair,
    double: () => Promise<SessionPair>,
    feeds: Record<string, Feed>,
    fetch?: readonly string[]
  ): Promise<Record<string, Fetched>> {
    if (!this.#active[branch]) throw new Error(`CFG pairing: branch ${branch} ran after it finished`)
    if (this.#pending[branch]) throw new Error(`CFG pairing: branch ${branch} has a call in flight`)
    return new Promise((resolve, reject) => {
      this.#pending[branch] = { key, single, double, feeds, fetch, resolve, reject }
      this.#dispatch()
    })
  }

  /** The branch's transformer call is over (or failed): its partner no longer waits for it. */
  finish(branch: PairedBranch): void {
    this.#active[branch] = false
    this.#dispatch()
  }

  #dispatch(): void {
    if (this.#busy) return
    const ready = ([0, 1] as const).every((b) => !this.#active[b] || this.#pending[b] !== null)
    const [a, b] = this.#pending
    if (!ready || (!a && !b)) return
    this.#pending[0] = null
    this.#pending[1] = null
    this.#busy = true
    void this.#execute(a, b).finally(() => {
      this.#busy = false
      this.#dispatch()
    })
  }

  async #execute(a: Pending | null, b: Pending | null): Promise<void> {
    if (a && b && a.key === b.key) {
      try {
        const double = await a.double()
        const stacked = stackFeeds(double, a.feeds, b.feeds)
        if (stacked) {
          const out = await runOn(double, 0, stacked, a.fetch)
          const rows = splitRows(out, a.single, double)
          if (rows) {
            this.counts.paired++
            a.resolve(rows[0])
            b.resolve(rows[1])
            return
          }
        }
      } catch {
        // The batch-2 segment failed to compile or run: each branch's own call below says why,
        // if it fails too; the pair costs no more than the two calls would have.
      }
    }
    for (const p of [a, b]) {
      if (!p) continue
      try {
        this.counts.alone++
        p.resolve(await runOn(p.single, 0, p.feeds, p.fetch))
      } catch (e) {
        p.reject(e)
      }
    }
  }
}

/**
 * The two branches' feeds as one batch-2 feed set: each input the batch-2 session reads with a
 * leading axis of 2 is the two batch-1 tensors one after the other; any other input (rotary ids,
 * a shape) must be the same value in both. Null where an input cannot be stacked (opaque, or
 * values that differ without a batch axis): then the branches run alone.
 */
function stackFeeds(
  double: SessionPair,
  a: Record<string, Feed>,
  b: Record<string, Feed>
): Record<string, Feed> | null {
  const out: Record<string, Feed> = {}
  for (const info of double.local.inputs) {
    const x = a[info.name]
    const y = b[info.name]
    if (!x || !y) return null
    if (isOpaque(x) || isOpaque(y) || !('data' in x) || !('data' in y)) return null
    if (info.shape[0] === 2 * x.dims[0] && y.dims[0] === x.dims[0]) {
      const data = new Float32Array(x.data.length + y.data.length)
      data.set(x.data)
      data.set(y.data, x.data.length)
      out[info.name] = tensor(data, [info.shape[0], ...x.dims.slice(1)])
    } else if (x === y || sameValues(x.data, y.data)) out[info.name] = x
    else return null
  }
  return out
}

function sameValues(x: Float32Array, y: Float32Array): boolean {
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++)
    if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return false
  return true
}

/**
 * Each branch's rows of a batch-2 run: an output whose leading axis is twice the batch-1
 * session's is cut in two (copies: a branch's cache may add into its rows in place); any other
 * is the same for both. Null when an output is opaque (fp16) and cannot be cut.
 */
function splitRows(
  out: Record<string, Fetched>,
  single: SessionPair,
  double: SessionPair
): [Record<string, Fetched>, Record<string, Fetched>] | null {
  const singleRows = new Map(single.local.outputs.map((o) => [o.name, o.shape[0]]))
  const doubleRows = new Map(double.local.outputs.map((o) => [o.name, o.shape[0]]))
  const first: Record<string, Fetched> = {}
  const second: Record<string, Fetched> = {}
  for (const [name, value] of Object.entries(out)) {
    if (isOpaque(value)) return null
    const rows = singleRows.get(name)
    // A symbolic leading axis (a batch-dynamic graph) cannot tell rows from a shared value.
    if (typeof rows !== 'number') return null
    if (doubleRows.get(name) !== 2 * rows || value.dims[0] !== 2 * rows) {
      first[name] = value
      second[name] = value
      continue
    }
    const half = value.data.length / 2
    const dims = [rows, ...value.dims.slice(1)]
    first[name] = tensor(value.data.slice(0, half), dims)
    second[name] = tensor(value.data.slice(half), dims)
  }
  return [first, second]
}
