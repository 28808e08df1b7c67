import { parentPort, workerData } from 'node:worker_threads'
import type { ProgressEvent } from '../../../shared/generation'
import { createStepCache } from '../cache/index'
import { cancelled, namingModel, toEngineError } from '../errors'
import { LoadedModel } from '../model/loaded-model'
import { loadPackage } from '../model/package'
import { availableProviders } from '../model/providers'
import type { FromThread, ThreadGenerate, ThreadInit, ToThread } from './protocol'
import { runPipeline } from '../pipeline/generate'
import { isImportedPackage } from '../import/imported-info'
import { loadImportedFamilyModel, type FamilyModel, type ImportedPipeline } from '../pipeline/families'

/**
 * The generation thread: loads models (once per model and provider, the last few kept), runs the
 * pipeline, posts progress and the result. One generation at a time; the Engine queues the rest.
 */

const port = parentPort
if (!port) throw new Error('engine/thread/entry.ts runs as a worker thread')
const init = (workerData ?? { tuning: null }) as ThreadInit
/** A studio package, or an imported package with the pipeline of its family (pipeline/families.ts). */
type AnyModel = LoadedModel | { model: FamilyModel; pipeline: ImportedPipeline }
const models = new Map<string, Promise<AnyModel>>()

const post = (message: FromThread) => port.postMessage(message)

/** Loaded models kept at once: the app switches between a few; each holds its sessions' weights. */
const KEEP_MODELS = 2

async function model(dir: string, provider: ThreadGenerate['request']['provider']): Promise<AnyModel> {
  const key = `${dir}\n${provider}`
  let loaded = models.get(key)
  if (loaded) {
    // Most recently used last: Map keeps insertion order.
    models.delete(key)
    models.set(key, loaded)
    return loaded
  }
  const tuning = init.tuning ?? undefined
  loaded = isImportedPackage(dir).then((imported) =>
    imported
      ? loadImportedFamilyModel(dir, { provider, tuning }).then(({ model, pipeline }) => ({
          model,
          pipeline
        }))
      : loadPackage(dir).then((pkg) => LoadedModel.load(pkg, { provider, tuning }))
  )
  // A failed load is not remembered: fixing the files and retrying must work.
  loaded.catch(() => models.delete(key))
  models.set(key, loaded)
  while (models.size > KEEP_MODELS) {
    const [oldest, evicted] = models.entries().next().value as [string, Promise<AnyModel>]
    models.delete(oldest)
    await evicted.then(releaseModel).catch(() => undefined)
  }
  return loaded
}

async function generate(msg: ThreadGenerate): Promise<void> {
  const flag = new Int32Array(msg.cancelFlag)
  const beforeCall = () => {
    if (Atomics.load(flag, 0) !== 0) throw cancelled()
  }
  beforeCall()
  const loaded = await model(msg.modelDir, msg.request.provider)
  const hooks = {
    createStepCache,
    beforeCall,
    onProgress: (event: ProgressEvent) => post({ type: 'progress', id: msg.id, event })
  }
  const run =
    loaded instanceof LoadedModel
      ? runPipeline(loaded, msg.request, hooks)
      : loaded.pipeline.generate(loaded.model, msg.request, hooks)
  const result = await run.catch((e: unknown) => {
    throw namingModel(e, loaded instanceof LoadedModel ? loaded.manifest.id : loaded.model.id)
  })
  post({ type: 'result', id: msg.id, result })
}

/** The generation in flight, settled or not: release waits for it. */
let running: Promise<unknown> = Promise.resolve()

async function release(): Promise<void> {
  // A run() deferred by onnxruntime-node may still be queued on a session of this generation;
  // releasing under it aborts the process. The cancel flag stops it at its next session call.
  await running
  const all = [...models.values()]
  models.clear()
  for (const m of all) await m.then(releaseModel).catch(() => undefined)
}

function releaseModel(m: AnyModel): Promise<void> {
  return m instanceof LoadedModel ? m.release() : m.model.release()
}

port.on('message', (msg: ToThread) => {
  const work =
    msg.type === 'generate' ? generate(msg) : release().then(() => post({ type: 'released', id: msg.id }))
  if (msg.type === 'generate') running = work.catch(() => undefined)
  work.catch((e: unknown) => post({ type: 'error', id: msg.id, error: toEngineError(e) }))
})

post({ type: 'ready', providers: availableProviders() })
