import type { Worker } from 'node:worker_threads'
import { ENGINE_VERSION, type EngineStatusInfo } from '../../shared/engine-protocol'
import {
  GenerateRequestSchema,
  type GenerateRequest,
  type GenerationOutput,
  type GenerationResult,
  type ProgressEvent,
  type PromptTokens
} from '../../shared/generation'
import type { ModelInfo } from '../../shared/manifest'
import type { ImportModelParams, ImportModelResult, ImportProgress } from '../../shared/model-import'
import { PendingCalls } from '../../shared/pending-calls'
import { importOnThread, sourceImportThreadEntry } from './app-import/import-on-thread'
import { defaultUserDataDir } from './calibrated-store'
import type { ConcreteProvider, Provider } from '../../shared/providers'
import { describeIssues } from '../../shared/validation'
import { cancelled, EngineFailure } from './errors'
import { readManifest } from './model/manifest-file'
import { assertFitsMemory, manifestMemory } from './model/memory-estimate'
import { modelInfo } from './model/model-info'
import { listModels, resolveModel, type ModelDirs } from './model/registry'
import type { SessionTuning } from './model/session'
import { countPromptTokens } from './pipeline/prompt-tokens'
import type { FromThread, ToThread } from './thread/protocol'
import { spawnThread, type ThreadEntry } from './thread/spawn'
import { threadLayoutsDir } from './thread-layout-store'

export { EngineFailure } from './errors'
export { sourceThreadEntry, type ThreadEntry } from './thread/spawn'
export { sourceImportThreadEntry } from './app-import/import-on-thread'

/**
 * The engine's public API, the same in the utility process, the CLI and the tests. Generation
 * runs on a worker thread (ONNX Runtime's run() blocks its thread), so status and cancel answer
 * while a step runs; a cancel takes effect before the next session call.
 */

/** How long dispose waits for the thread to release its sessions before terminating it. */
const RELEASE_TIMEOUT_MS = 5_000

export interface EngineOptions {
  /** Embedded (resources/models) and user model folders: packages, or folders of packages. */
  modelDirs: { embedded: readonly string[]; user?: readonly string[] }
  /** The generation thread's code: the bundle's built file, or `sourceThreadEntry()` under tsx. */
  thread: ThreadEntry
  /**
   * The import thread's code (app-import/import-thread.ts): the bundle's built file; absent, the
   * source entry where `thread` runs under tsx. An engine with neither refuses importModel.
   */
  importThread?: ThreadEntry
  /**
   * Used when a request asks for `auto`: `studio worker --provider`. The app passes none; main
   * resolves `auto` with the provider setting when it sends the request (main/engine-setup.ts).
   */
  defaultProvider?: Provider
  tuning?: SessionTuning
  /**
   * Where measured thread layouts are read when `tuning` leaves the layout to the engine
   * (engine/layout-choice.ts): default the user-data folder's (`studio tune-threads` writes
   * there); null reads none, so the model's default layout applies.
   */
  layoutsDir?: string | null
}

export interface GenerateOptions {
  onProgress?: (e: ProgressEvent) => void
  signal?: AbortSignal
  /** The user's model folders (the app's settings), searched for the request's model id too. */
  extraModelDirs?: readonly string[]
}

export class Engine {
  readonly #options: EngineOptions
  #thread: Worker | null = null
  #ready: Promise<ConcreteProvider[]> | null = null
  #providers: ConcreteProvider[] = []
  /** Calls posted to the generation thread and not yet answered, by message id. */
  readonly #pending = new PendingCalls<number, { onProgress?: (e: ProgressEvent) => void }>()
  #nextId = 1
  #queue: Promise<unknown> = Promise.resolve()
  #busy = 0
  /** Cancel flags of the generations in flight. */
  readonly #running = new Set<Int32Array>()
  #disposed = false
  /** Imports run one at a time, each on its own thread (app-import/import-on-thread.ts). */
  #importQueue: Promise<unknown> = Promise.resolve()
  /** Stops the imports queued or running, when the engine is disposed. */
  readonly #imports = new Set<AbortController>()

  private constructor(options: EngineOptions) {
    this.#options = options
  }

  /** Starts the generation thread and waits until it has loaded ONNX Runtime. */
  static async create(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options)
    await engine.#start()
    return engine
  }

  status(): EngineStatusInfo {
    return { version: ENGINE_VERSION, providers: [...this.#providers], busy: this.#busy > 0 }
  }

  async listModels(params: { extraModelDirs: string[] }): Promise<ModelInfo[]> {
    const { models, problems } = await listModels(this.#dirs(params.extraModelDirs))
    for (const p of problems) process.stderr.write(`engine: model skipped: ${p}\n`)
    return models
  }

  /**
   * A model folder's info; errors name what is wrong with it (the files are not hashed here, but
   * each is checked to be a regular file within its bound, and the latent to fit this machine).
   */
  async inspectModel(path: string): Promise<ModelInfo> {
    const dir = await resolveModel(path, this.#dirs([]))
    const embedded = (await listModels({ embedded: this.#options.modelDirs.embedded, user: [] })).models.some(
      (m) => m.path === dir
    )
    const manifest = await readManifest(dir)
    assertFitsMemory(manifest.id, manifestMemory(manifest))
    return modelInfo(dir, manifest, embedded)
  }

  /**
   * An ONNX diffusers folder imported into params.modelsDir (app-import/import-model.ts), on a
   * thread of its own so this loop keeps answering while the transformer graph is cut. Aborting
   * `signal` (or disposing the engine) terminates that thread; nothing half-written is left.
   */
  importModel(
    params: ImportModelParams,
    options: { onProgress?: (event: ImportProgress) => void; signal?: AbortSignal } = {}
  ): Promise<ImportModelResult> {
    if (this.#disposed) return Promise.reject(new EngineFailure('engine_crashed', 'the engine was disposed'))
    const entry = this.#options.importThread ?? (this.#options.thread.tsx ? sourceImportThreadEntry() : null)
    if (!entry)
      return Promise.reject(new EngineFailure('internal', 'import not available in this engine build'))
    const controller = new AbortController()
    const onAbort = () => controller.abort(options.signal?.reason)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) onAbort()
    this.#imports.add(controller)
    const run = this.#importQueue.then(() =>
      importOnThread(entry, params, { onProgress: options.onProgress, signal: controller.signal })
    )
    this.#importQueue = run.catch(() => undefined)
    return run.finally(() => {
      this.#imports.delete(controller)
      options.signal?.removeEventListener('abort', onAbort)
    })
  }

  /** The prompt against the model's tokenizer; answers while a generation runs (no session needed). */
  async countTokens(params: {
    model: string
    text: string
    extraModelDirs: string[]
  }): Promise<PromptTokens> {
    const dir = await resolveModel(params.model, this.#dirs(params.extraModelDirs))
    return countPromptTokens(dir, params.text)
  }

  /**
   * The entry of callers that hold the engine in-process (the CLI, src/serve, tests): the request
   * is validated and generations queue one at a time (the thread holds one model's sessions busy
   * per step anyway).
   */
  generate(req: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerationResult> {
    const parsed = GenerateRequestSchema.safeParse(req)
    if (!parsed.success)
      return Promise.reject(new EngineFailure('bad_request', describeIssues('generate', parsed.error)))
    const request = parsed.data
    this.#busy++
    // With pixels: true the thread answers the whole GenerationResult.
    const run = this.#queue.then(() => this.#generate(request, opts, true))
    this.#queue = run.catch(() => undefined)
    return run.finally(() => this.#busy--) as Promise<GenerationResult>
  }

  /**
   * The served engine's generate (server/server.ts): the server has parsed the request with the
   * shared schema and the engine host sends one generate at a time, so neither is done again here
   * (one validation per boundary and one queue on the app's path, docs/architecture.md). The
   * answer leaves the raw pixels on the generation thread: the app saves and shows the files.
   */
  runGenerate(request: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerationOutput> {
    this.#busy++
    return this.#generate(request, opts, false).finally(() => this.#busy--)
  }

  /** Stops the thread; pending work fails with `engine_crashed`. */
  async dispose(): Promise<void> {
    this.#disposed = true
    const thread = this.#thread
    this.#thread = null
    this.#ready = null
    // Stop a running generation at its next session call, so the release below is not queued
    // behind the rest of it; a thread that still does not answer is terminated.
    for (const flag of this.#running) Atomics.store(flag, 0, 1)
    this.#failAll(new EngineFailure('engine_crashed', 'the engine was disposed'))
    // An import in progress ends its thread and removes its partial package before this resolves.
    for (const c of this.#imports) c.abort(new EngineFailure('engine_crashed', 'the engine was disposed'))
    const imports = this.#importQueue
    if (thread) {
      const released = this.#call(thread, { type: 'release', id: this.#nextId++ }).catch(() => undefined)
      await Promise.race([released, new Promise((r) => setTimeout(r, RELEASE_TIMEOUT_MS).unref())])
      await thread.terminate()
    }
    await imports
  }

  async #generate(
    request: GenerateRequest,
    opts: GenerateOptions,
    pixels: boolean
  ): Promise<GenerationOutput> {
    if (opts.signal?.aborted) throw cancelled()
    // `auto` means the default provider the engine was started with, where it has one (the CLI worker's).
    if (request.provider === 'auto' && this.#options.defaultProvider)
      request = { ...request, provider: this.#options.defaultProvider }
    const modelDir = await resolveModel(request.model, this.#dirs(opts.extraModelDirs ?? []))
    const thread = await this.#start()
    const cancelFlag = new SharedArrayBuffer(4)
    const flag = new Int32Array(cancelFlag)
    const onAbort = () => Atomics.store(flag, 0, 1)
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    this.#running.add(flag)
    try {
      const id = this.#nextId++
      return (await this.#call(
        thread,
        { type: 'generate', id, modelDir, request, cancelFlag, pixels },
        opts.onProgress
      )) as GenerationOutput
    } finally {
      this.#running.delete(flag)
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  #call(thread: Worker, message: ToThread, onProgress?: (e: ProgressEvent) => void): Promise<unknown> {
    const answer = this.#pending.open(message.id, { onProgress })
    thread.postMessage(message)
    return answer
  }

  #dirs(extra: readonly string[]): ModelDirs {
    return {
      embedded: this.#options.modelDirs.embedded,
      user: [...(this.#options.modelDirs.user ?? []), ...extra]
    }
  }

  /** The running thread, (re)started if it is not; a crashed thread is replaced on the next call. */
  async #start(): Promise<Worker> {
    if (this.#disposed) throw new EngineFailure('engine_crashed', 'the engine was disposed')
    if (!this.#ready) {
      const layoutsDir =
        this.#options.layoutsDir === undefined
          ? threadLayoutsDir(defaultUserDataDir())
          : this.#options.layoutsDir
      const thread = spawnThread(this.#options.thread, { tuning: this.#options.tuning ?? null, layoutsDir })
      this.#thread = thread
      this.#ready = new Promise<ConcreteProvider[]>((resolve, reject) => {
        thread.on('message', (msg: FromThread) => {
          if (msg.type === 'ready') resolve(msg.providers)
          else this.#onMessage(msg)
        })
        const lost = (why: string) => {
          if (this.#thread !== thread) return
          this.#thread = null
          this.#ready = null
          const failure = new EngineFailure('engine_crashed', `the generation thread stopped: ${why}`)
          reject(failure)
          this.#failAll(failure)
        }
        thread.on('error', (e) => lost(e.message))
        thread.on('exit', (code) => lost(`exit code ${code}`))
      })
      this.#providers = await this.#ready
    }
    await this.#ready
    return this.#thread as Worker
  }

  #onMessage(msg: Exclude<FromThread, { type: 'ready' }>): void {
    if (msg.type === 'progress') this.#pending.route(msg.id)?.onProgress?.(msg.event)
    else if (msg.type === 'error')
      this.#pending.fail(msg.id, new EngineFailure(msg.error.code, msg.error.message))
    else this.#pending.answer(msg.id, msg.type === 'result' ? msg.result : undefined)
  }

  #failAll(error: EngineFailure): void {
    this.#pending.failAll(() => error)
  }
}
