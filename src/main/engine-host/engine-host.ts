import { parseEngineMessage } from '../../shared/engine-messages'
import type {
  EngineMessage,
  EngineMethod,
  EngineMethodResults,
  EngineParams
} from '../../shared/engine-protocol'
import type { EngineHostStatus } from '../../shared/engine-status'
import type { GenerateRequestInput, GenerationOutput, ProgressEvent } from '../../shared/generation'
import type { ImportModelParams, ImportModelResult, ImportProgress } from '../../shared/model-import'
import { PendingCalls } from '../../shared/pending-calls'
import { EngineFailure, cancelled } from '../engine/errors'
import { exhaustedMessage } from './memory-crash'
import type { EngineChild, EngineSpawner } from './spawner'
import { EngineSupervisor, type EngineCrash, type SupervisedHost } from './supervisor'
import * as timing from './timing'

export type QuickMethod = Exclude<EngineMethod, 'generate' | 'cancel' | 'importModel'>

/** Where the answers to a request sent to the current engine process go, besides its promise. */
interface RequestRoute {
  method: EngineMethod
  onProgress?: (event: ProgressEvent) => void
  onImportProgress?: (event: ImportProgress) => void
}

/** How a generate is followed and stopped, and where its model is found. */
export interface GenerateOptions {
  onProgress?: (event: ProgressEvent) => void
  signal?: AbortSignal
  /** The user's model folders (settings), where the engine finds an added model's id. */
  extraModelDirs?: readonly string[]
}

export interface EngineHostOptions {
  readyTimeoutMs?: number
  requestTimeoutMs?: number
  restartBackoffMs?: readonly number[]
}

/**
 * The app's door to the engine process: waits for its `ready`, numbers requests and routes each
 * answer and progress event back by its id (the app's one request-id map), runs one generate at a
 * time, forwards cancel, and when the process dies fails what it was doing with `engine_crashed`.
 * A death that looks like memory running out during a generate fails it with `resources` naming
 * the model, and that model is not sent to the engine again until a restart by hand, so it cannot
 * crash it in a loop while the other models keep working. Spawning, the hang at start, restarts
 * with backoff and giving up are its supervisor's (supervisor.ts), which runs only when a process
 * starts or ends: a request and its answer cross this file alone.
 */
export class EngineHost {
  readonly #supervisor: EngineSupervisor
  readonly #requestTimeoutMs: number
  /** The supervisor's process (spawn to exit), kept here too: a request is posted on it. */
  #child: EngineChild | undefined
  /** Requests sent to the current process and not yet answered, by request id. */
  readonly #pending = new PendingCalls<string, RequestRoute>()
  #nextId = 0
  #status: EngineHostStatus = {
    state: 'stopped',
    error: null,
    restarts: 0,
    gaveUp: false,
    version: null,
    providers: []
  }
  readonly #statusListeners = new Set<(status: EngineHostStatus) => void>()
  #readyWaiters: { resolve: () => void; reject: (e: EngineFailure) => void }[] = []
  #generating = 0
  /** The model of the generate in flight (one runs at a time). */
  #generatingModel: string | undefined
  /** Models whose generate ended the engine for lack of memory, with the message to answer. */
  readonly #exhausted = new Map<string, string>()
  #generateQueue: Promise<unknown> = Promise.resolve()
  #disposed = false

  constructor(spawner: EngineSpawner, options: EngineHostOptions = {}) {
    this.#requestTimeoutMs = options.requestTimeoutMs ?? timing.REQUEST_TIMEOUT_MS
    const host: SupervisedHost = {
      setStatus: (change) => this.#setStatus(change),
      attach: (child) => this.#attach(child),
      crashed: (crash) => this.#answerCrash(crash),
      gaveUp: (error) => this.#rejectWaiters(error)
    }
    this.#supervisor = new EngineSupervisor(spawner, host, {
      readyTimeoutMs: options.readyTimeoutMs ?? timing.READY_TIMEOUT_MS,
      restartBackoffMs: options.restartBackoffMs ?? timing.RESTART_BACKOFF_MS
    })
  }

  start(): void {
    if (!this.#disposed) this.#supervisor.start()
  }

  /** Restart by hand, e.g. after the supervisor gave up; models that ran out of memory may run again. */
  restart(): void {
    if (this.#disposed) return
    this.#exhausted.clear()
    this.#supervisor.restart()
  }

  status(): EngineHostStatus {
    return this.#status
  }

  onStatus(listener: (status: EngineHostStatus) => void): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  /** Any request but generate; waits for the engine to be ready. */
  async request<M extends QuickMethod>(method: M, params: EngineParams<M>): Promise<EngineMethodResults[M]> {
    await this.#whenReady()
    const { response } = this.#send(method, params, { timeoutMs: this.#requestTimeoutMs })
    return (await response) as EngineMethodResults[M]
  }

  /**
   * Queues a generate behind the ones before it (the engine runs one at a time: two would fight
   * for the same cores). Aborting the signal drops it from the queue or cancels it in the engine.
   */
  generate(params: GenerateRequestInput, options: GenerateOptions = {}): Promise<GenerationOutput> {
    const { signal, onProgress } = options
    const extraModelDirs = [...(options.extraModelDirs ?? [])]
    let started = false
    const run = async (): Promise<GenerationOutput> => {
      started = true
      if (signal?.aborted) throw cancelled()
      const exhausted = this.#exhausted.get(params.model)
      if (exhausted) throw new EngineFailure('resources', exhausted)
      await this.#whenReady()
      if (signal?.aborted) throw cancelled()
      const { id, response } = this.#send('generate', { ...params, extraModelDirs }, { onProgress })
      this.#generatingModel = params.model
      const stopListening = this.#cancelOnAbort(id, signal)
      this.#setBusy(+1)
      try {
        return (await response) as GenerationOutput
      } finally {
        this.#generatingModel = undefined
        stopListening()
        this.#setBusy(-1)
      }
    }
    const turn = this.#generateQueue.then(run, run)
    this.#generateQueue = turn.catch(() => undefined)
    if (!signal) return turn
    // A generate cancelled while queued answers now; a running one answers when the engine stops.
    const droppedFromQueue = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => !started && reject(cancelled()), { once: true })
    )
    return Promise.race([turn, droppedFromQueue])
  }

  /**
   * Imports an ONNX diffusers folder (shared/model-import.ts). No timeout: reading a 24 GB
   * model's graph takes a while, and an engine that dies fails it like any request. Aborting
   * `signal` cancels it in the engine, which ends the import and removes its partial package.
   */
  async importModel(
    params: ImportModelParams,
    onProgress?: (event: ImportProgress) => void,
    signal?: AbortSignal
  ): Promise<ImportModelResult> {
    await this.#whenReady()
    if (signal?.aborted) throw new EngineFailure('cancelled', 'import cancelled')
    const { id, response } = this.#send('importModel', params, { onImportProgress: onProgress })
    const stopListening = this.#cancelOnAbort(id, signal)
    try {
      return (await response) as ImportModelResult
    } finally {
      stopListening()
    }
  }

  /** Sends `cancel` naming request `id` when `signal` aborts; returns what stops listening. */
  #cancelOnAbort(id: string, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined
    const cancel = (): void =>
      void this.#send('cancel', { requestId: id }, {}).response.catch(() => undefined)
    signal.addEventListener('abort', cancel, { once: true })
    return () => signal.removeEventListener('abort', cancel)
  }

  async dispose(): Promise<void> {
    this.#disposed = true
    const stopped = new EngineFailure('engine_crashed', 'the engine was stopped')
    this.#pending.failAll(() => stopped)
    this.#rejectWaiters(stopped)
    this.#child = undefined
    this.#supervisor.stop()
    this.#setStatus({ state: 'stopped' })
  }

  /** A new process from the supervisor: its messages come straight here, and requests go to it. */
  #attach(child: EngineChild): void {
    this.#child = child
    child.onMessage((raw) => this.#onMessage(child, raw))
  }

  #onMessage(child: EngineChild, raw: unknown): void {
    if (child !== this.#child) return
    const message = parseEngineMessage(raw)
    if (!message) return
    if (message.kind !== 'ready') return this.#deliver(message)
    this.#supervisor.ready()
    this.#setStatus({ state: this.#generating > 0 ? 'busy' : 'ready', version: message.version })
    const waiters = this.#readyWaiters
    this.#readyWaiters = []
    for (const waiter of waiters) waiter.resolve()
    // Providers are part of the status line; ask once per process.
    this.request('status', {})
      .then((info) => this.#child === child && this.#setStatus({ providers: info.providers }))
      .catch(() => undefined)
  }

  /** The process died: what it was serving fails, a generate that ran it out of memory as `resources`. */
  #answerCrash({ detail, memory }: EngineCrash): void {
    this.#child = undefined
    const model = this.#generatingModel
    if (memory && model) this.#exhausted.set(model, exhaustedMessage(model, memory))
    this.#pending.failAll(({ method }) =>
      method === 'generate' && memory && model
        ? new EngineFailure('resources', this.#exhausted.get(model) as string)
        : new EngineFailure('engine_crashed', `${method} failed: ${detail}`)
    )
  }

  /** Numbers a request and posts it; its promise settles with the response, a timeout, or a crash. */
  #send(
    method: EngineMethod,
    params: unknown,
    options: {
      timeoutMs?: number
      onProgress?: (e: ProgressEvent) => void
      onImportProgress?: (e: ImportProgress) => void
    }
  ): { id: string; response: Promise<unknown> } {
    const { timeoutMs, onProgress, onImportProgress } = options
    const id = `${method}-${++this.#nextId}`
    const timeout =
      timeoutMs === undefined ? undefined : { ms: timeoutMs, error: () => late(method, timeoutMs) }
    const response = this.#pending.open(id, { method, onProgress, onImportProgress }, timeout)
    this.#child?.postMessage({ kind: 'request', id, method, params })
    return { id, response }
  }

  /** Routes a response or progress event to its request; unknown ids (late answers) are dropped. */
  #deliver(message: Exclude<EngineMessage, { kind: 'ready' }>): void {
    if (message.kind === 'progress') return this.#pending.route(message.id)?.onProgress?.(message.event)
    if (message.kind === 'importProgress')
      return this.#pending.route(message.id)?.onImportProgress?.(message.event)
    if (message.ok) this.#pending.answer(message.id, message.result)
    else this.#pending.fail(message.id, new EngineFailure(message.error.code, message.error.message))
  }

  #whenReady(): Promise<void> {
    const { state, gaveUp, error } = this.#status
    if (state === 'ready' || state === 'busy') return Promise.resolve()
    if (this.#disposed) return Promise.reject(new EngineFailure('engine_crashed', 'the engine was stopped'))
    if (gaveUp)
      return Promise.reject(new EngineFailure('engine_crashed', error ?? 'the engine is not running'))
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }))
  }

  #rejectWaiters(error: EngineFailure): void {
    const waiters = this.#readyWaiters
    this.#readyWaiters = []
    for (const waiter of waiters) waiter.reject(error)
  }

  #setBusy(delta: number): void {
    this.#generating += delta
    const { state } = this.#status
    if (state === 'ready' || state === 'busy')
      this.#setStatus({ state: this.#generating > 0 ? 'busy' : 'ready' })
  }

  #setStatus(change: Partial<EngineHostStatus>): void {
    const healthy = change.state === 'ready' || change.state === 'busy'
    this.#status = { ...this.#status, ...change, ...(healthy ? { error: null, gaveUp: false } : {}) }
    for (const listener of this.#statusListeners) listener(this.#status)
  }
}

function late(method: EngineMethod, timeoutMs: number): EngineFailure {
  return new EngineFailure(
    'internal',
    `${method}: the engine did not answer within ${Math.round(timeoutMs / 1000)} s`
  )
}
