import { availableParallelism } from 'node:os'
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import {
  withoutPixels,
  type GenerateRequest,
  type GenerationResult,
  type ProgressEvent
} from '../../../shared/generation'
import { createStepCache } from '../cache/index'
import { cancelled, namingModel, toEngineError } from '../errors'
import { isImportedPackage } from '../import/imported-info'
import { readImportedManifest } from '../import/imported-manifest-file'
import { importedRequestCheck, type RequestedSize } from '../import/imported-memory'
import { chooseLayout, layoutIsAuto, tuningFor, type ChosenLayout } from '../layout-choice'
import { LoadedModel } from '../model/loaded-model'
import { loadPackage } from '../model/package'
import { availableProviders, providerCandidates } from '../model/providers'
import type { SessionTuning } from '../model/session'
import { runPipeline } from '../pipeline/generate'
import { loadImportedFamilyModel, type FamilyModel, type ImportedPipeline } from '../pipeline/families'
import { readStoredLayout } from '../thread-layout-store'
import type { FromThread, ThreadInit, ToThread } from './protocol'

/**
 * The generation thread: loads models (once per model and provider, the last few kept), runs the
 * pipeline, posts progress and the result. One generation at a time; the Engine queues the rest.
 * The loading and running is `ModelRunner`, exported for the one other caller that runs it on
 * another thread: tools/bench/loop-latency.mts, which measured what running it on the engine's
 * message loop would cost (docs/engine.md, "Threads"). Imported outside a worker thread, this
 * module only defines it.
 */

/** A studio package, or an imported package with the pipeline of its family (pipeline/families.ts). */
type AnyModel = LoadedModel | { model: FamilyModel; pipeline: ImportedPipeline }

/** A loaded model and the thread layout it was loaded with (reported in each result's timings). */
interface Held {
  model: AnyModel
  layout: ChosenLayout
  /**
   * An imported package's memory check at a later request's size (import/imported-memory.ts);
   * the load checked the first request's. Embedded packages have one size, checked at load.
   */
  fits?: (request: RequestedSize) => Promise<void>
}

export interface RunnerOptions {
  tuning?: SessionTuning
  /** Where measured layouts are read (thread-layout-store.ts); absent: none, the default applies. */
  layoutsDir?: string
  /** Memory an imported package's request must fit in (default: the machine's RAM): imported-memory.ts. */
  memoryBytes?: number
  /** Cores the layout is chosen for (default: the machine's). */
  cores?: number
}

/** Loaded models kept at once: the app switches between a few; each holds its sessions' weights. */
const KEEP_MODELS = 2

export interface RunOptions {
  /** Int32Array over a SharedArrayBuffer: [0] = 1 once cancelled, read before every session call. */
  cancelFlag: Int32Array
  onProgress: (event: ProgressEvent) => void
}

export class ModelRunner {
  readonly #options: RunnerOptions
  readonly #models = new Map<string, Promise<Held>>()
  /** The generation in flight, settled or not: release waits for it. */
  #running: Promise<unknown> = Promise.resolve()

  constructor(options: RunnerOptions = {}) {
    this.#options = options
  }

  /** Runs `request` on the model in `modelDir` (absolute: the caller resolved the request's id). */
  generate(modelDir: string, request: GenerateRequest, options: RunOptions): Promise<GenerationResult> {
    const run = this.#generate(modelDir, request, options)
    this.#running = run.catch(() => undefined)
    return run
  }

  /** Releases every loaded model's sessions, after the generation in flight has settled. */
  async release(): Promise<void> {
    // A run() deferred by onnxruntime-node may still be queued on a session of this generation;
    // releasing under it aborts the process. The cancel flag stops it at its next session call.
    await this.#running
    const all = [...this.#models.values()]
    this.#models.clear()
    for (const m of all) await m.then((h) => releaseModel(h.model)).catch(() => undefined)
  }

  async #generate(
    modelDir: string,
    request: GenerateRequest,
    options: RunOptions
  ): Promise<GenerationResult> {
    const flag = options.cancelFlag
    const beforeCall = () => {
      if (Atomics.load(flag, 0) !== 0) throw cancelled()
    }
    beforeCall()
    const { model: loaded, layout } = await this.#model(modelDir, request)
    const hooks = { createStepCache, beforeCall, onProgress: options.onProgress }
    const run =
      loaded instanceof LoadedModel
        ? runPipeline(loaded, request, hooks)
        : loaded.pipeline.generate(loaded.model, request, hooks)
    const { source, ...threads } = layout
    return run.then(
      (result) => ({ ...result, timings: { ...result.timings, threadLayout: { ...threads, source } } }),
      (e: unknown) => {
        throw namingModel(e, loaded instanceof LoadedModel ? loaded.manifest.id : loaded.model.id)
      }
    )
  }

  /**
   * The layout `dir` loads with (layout-choice.ts). The stored measurement is looked up under the
   * provider `auto` tries first: the one that loads unless its sessions fail.
   */
  async #layout(dir: string, provider: GenerateRequest['provider'], imported: boolean) {
    const { tuning, layoutsDir } = this.#options
    const cores = this.#options.cores ?? availableParallelism()
    const pkg = imported ? null : await loadPackage(dir)
    let stored = null
    if (layoutIsAuto(tuning) && layoutsDir !== undefined) {
      // A manifest that does not read is the load's to report, in its own words.
      const model = pkg
        ? pkg.manifest.id
        : await readImportedManifest(dir).then(
            (m) => m.id,
            () => null
          )
      if (model !== null)
        stored = await readStoredLayout(layoutsDir, {
          model,
          provider: providerCandidates(provider)[0],
          cores
        })
    }
    // An imported family's default stays one lane: its own loop decides whether lanes are used.
    const layout = chooseLayout({ tuning, stored, separateCfg: pkg?.manifest.defaults.separateCfg, cores })
    return { pkg, layout, tuning: tuningFor(layout, tuning) }
  }

  /**
   * The model for `request`'s provider; an imported package's memory estimate is checked at the
   * request's size, by its load or, for a model kept from an earlier request, before it runs.
   */
  async #model(dir: string, request: GenerateRequest): Promise<Held> {
    const { provider } = request
    const key = `${dir}\n${provider}`
    let loaded = this.#models.get(key)
    if (loaded) {
      // Most recently used last: Map keeps insertion order.
      this.#models.delete(key)
      this.#models.set(key, loaded)
      const held = await loaded
      await held.fits?.(request)
      return held
    }
    loaded = isImportedPackage(dir).then(async (imported) => {
      const { pkg, layout, tuning } = await this.#layout(dir, provider, imported)
      const model: AnyModel = pkg
        ? await LoadedModel.load(pkg, { provider, tuning })
        : await loadImportedFamilyModel(dir, {
            provider,
            tuning,
            size: request,
            memoryBytes: this.#options.memoryBytes
          }).then(({ model, pipeline }) => ({
            model,
            pipeline
          }))
      return pkg
        ? { model, layout }
        : { model, layout, fits: importedRequestCheck(dir, this.#options.memoryBytes) }
    })
    // A failed load is not remembered: fixing the files and retrying must work.
    loaded.catch(() => this.#models.delete(key))
    this.#models.set(key, loaded)
    while (this.#models.size > KEEP_MODELS) {
      const [oldest, evicted] = this.#models.entries().next().value as [string, Promise<Held>]
      this.#models.delete(oldest)
      await evicted.then((h) => releaseModel(h.model)).catch(() => undefined)
    }
    return loaded
  }
}

function releaseModel(m: AnyModel): Promise<void> {
  return m instanceof LoadedModel ? m.release() : m.model.release()
}

/** The thread's side of thread/protocol.ts: requests from the Engine, one runner. */
function serveEngine(port: MessagePort, init: ThreadInit): void {
  const runner = new ModelRunner({
    tuning: init.tuning ?? undefined,
    layoutsDir: init.layoutsDir ?? undefined
  })
  const post = (message: FromThread) => port.postMessage(message)
  port.on('message', (msg: ToThread) => {
    const work =
      msg.type === 'generate'
        ? runner
            .generate(msg.modelDir, msg.request, {
              cancelFlag: new Int32Array(msg.cancelFlag),
              onProgress: (event) => post({ type: 'progress', id: msg.id, event })
            })
            .then((result) =>
              post({ type: 'result', id: msg.id, result: msg.pixels ? result : withoutPixels(result) })
            )
        : runner.release().then(() => post({ type: 'released', id: msg.id }))
    work.catch((e: unknown) => post({ type: 'error', id: msg.id, error: toEngineError(e) }))
  })
  post({ type: 'ready', providers: availableProviders() })
}

if (parentPort) serveEngine(parentPort, (workerData ?? { tuning: null }) as ThreadInit)
