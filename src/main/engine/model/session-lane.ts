import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { runtimeFailure } from '../errors'
import {
  fetchedOutputs,
  isOpaque,
  sessionOptions,
  type Feed,
  type Fetched,
  type RunnableSession,
  type SessionTuning
} from './session'
import type { ConcreteProvider } from '../../../shared/providers'

/**
 * A second lane of sessions in a worker thread of its own. onnxruntime-node runs a session
 * synchronously on the calling thread (its `run` is a `setImmediate` around a blocking call), so
 * two sessions of one thread never overlap. With CFG as two calls, the uncond call's sessions live
 * here: its session calls are messages, and the thread that posted them runs the cond call's
 * sessions meanwhile (docs/engine.md, "CFG parallelism").
 *
 * The worker is a short script evaluated by Node (no build entry of its own: the app's bundle and
 * tsx load it alike); it requires the same onnxruntime-node the engine resolved.
 */

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const ort = require(workerData.ort)
const sessions = new Map()
let next = 1
const toOrt = (v) => new ort.Tensor(v.type, v.data, v.dims)
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'create') {
      const s = await ort.InferenceSession.create(m.bytes, m.options)
      const sid = next++
      sessions.set(sid, s)
      parentPort.postMessage({ id: m.id, ok: true, sid, inputNames: s.inputNames, outputNames: s.outputNames })
    } else if (m.op === 'run') {
      const feeds = {}
      for (const [k, v] of Object.entries(m.feeds)) feeds[k] = toOrt(v)
      const s = sessions.get(m.sid)
      const r = m.fetch ? await s.run(feeds, m.fetch) : await s.run(feeds)
      const outputs = {}
      const transfer = []
      for (const [k, t] of Object.entries(r)) {
        outputs[k] = { type: t.type, data: t.data, dims: t.dims }
        if (ArrayBuffer.isView(t.data)) transfer.push(t.data.buffer)
      }
      parentPort.postMessage({ id: m.id, ok: true, outputs }, transfer)
    } else if (m.op === 'release') {
      const s = sessions.get(m.sid)
      sessions.delete(m.sid)
      if (s) await s.release()
      parentPort.postMessage({ id: m.id, ok: true })
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, message: String(e && e.message ? e.message : e) })
  }
})
`

/** A tensor as it crosses the thread boundary: element type, values, dims. */
interface WireTensor {
  type: string
  data: ArrayBufferView
  dims: readonly number[]
}

interface Reply {
  id: number
  ok: boolean
  message?: string
  sid?: number
  inputNames?: string[]
  outputNames?: string[]
  outputs?: Record<string, WireTensor>
}

/** One worker thread hosting sessions; its requests keep the process alive only while pending. */
export class SessionLane {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()
  #next = 1

  constructor() {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node')
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ort: ortPath } })
    this.#worker.unref()
    this.#worker.on('message', (r: Reply) => {
      const p = this.#pending.get(r.id)
      if (!p) return
      this.#pending.delete(r.id)
      if (this.#pending.size === 0) this.#worker.unref()
      if (r.ok) p.resolve(r)
      else p.reject(new Error(r.message ?? 'session lane failed'))
    })
    this.#worker.on('error', (e) => this.#failAll(e))
    this.#worker.on('exit', (code) => this.#failAll(new Error(`session lane exited (${code})`)))
  }

  request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const id = this.#next++
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.ref()
      this.#worker.postMessage({ ...message, id }, transfer)
    })
  }

  async createSession(
    bytes: Uint8Array,
    label: string,
    provider: ConcreteProvider,
    tuning: SessionTuning,
    externalDataDir?: string
  ): Promise<LaneSession> {
    const options = sessionOptions(provider, tuning, externalDataDir)
    let r: Reply
    try {
      r = await this.request({ op: 'create', bytes, options })
    } catch (e) {
      throw runtimeFailure(e, label)
    }
    return new LaneSession(this, r.sid as number, label, provider, r.inputNames ?? [], r.outputNames ?? [])
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate()
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e)
    this.#pending.clear()
  }
}

/** A session in a lane: the same calls as `Session`, each one a message to the lane's thread. */
export class LaneSession implements RunnableSession {
  readonly #lane: SessionLane
  readonly #sid: number
  readonly label: string
  readonly provider: ConcreteProvider
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]

  constructor(
    lane: SessionLane,
    sid: number,
    label: string,
    provider: ConcreteProvider,
    inputNames: readonly string[],
    outputNames: readonly string[]
  ) {
    this.#lane = lane
    this.#sid = sid
    this.label = label
    this.provider = provider
    this.inputNames = inputNames
    this.outputNames = outputNames
  }

  async runMixed(feeds: Record<string, Feed>, fetch?: readonly string[]): Promise<Record<string, Fetched>> {
    const wire: Record<string, WireTensor> = {}
    for (const [name, value] of Object.entries(feeds)) wire[name] = toWire(value)
    let r: Reply
    try {
      r = await this.#lane.request({
        op: 'run',
        sid: this.#sid,
        feeds: wire,
        fetch: fetch ? [...fetch] : undefined
      })
    } catch (e) {
      throw runtimeFailure(e, this.label)
    }
    return fetchedOutputs(r.outputs ?? {})
  }

  async release(): Promise<void> {
    await this.#lane.request({ op: 'release', sid: this.#sid })
  }
}

function toWire(value: Feed): WireTensor {
  if (isOpaque(value)) {
    // A lane's own outputs are wire tensors already; a local session's are ort.Tensors.
    const t = value.opaque as { type: string; data: ArrayBufferView; dims: readonly number[] }
    return { type: t.type, data: t.data, dims: [...t.dims] }
  }
  if ('int64' in value) return { type: 'int64', data: value.int64, dims: [...value.dims] }
  return { type: 'float32', data: value.data, dims: [...value.dims] }
}

let shared: SessionLane | null = null

/** The process's (the generation thread's) one extra lane, started on first use. */
export function sharedLane(): SessionLane {
  shared ??= new SessionLane()
  return shared
}
