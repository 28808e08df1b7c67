import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Engine } from '../../main/engine/engine'
import { toEngineError } from '../../main/engine/errors'
import type { EngineErrorCode } from '../../shared/engine-protocol'
import { describeIssues } from '../../shared/validation'
import { toWireImage, toWireProgress } from '../wire'
import { CANCEL_CHANNEL, connectRedis, FarmJobDataSchema, FarmStore, QUEUE_NAME } from './redis'

/**
 * `studio worker --queue redis://…`: takes image jobs from the farm's BullMQ queue and runs them
 * on its engine. While a job runs BullMQ renews its lock every lockMs / 2; a worker that dies
 * (killed, machine gone) stops renewing, and after lockMs the stalled-job check of any live
 * worker moves the job back to the queue for another worker. The result is written once per job
 * id (FarmStore.putResult), so a second run of the same job never produces a second result.
 */

export interface FarmWorkerOptions {
  url: string
  engine: Engine
  /** Images this process runs at once (its engine runs one at a time: more only queue there). */
  concurrency: number
  /** How long a job's lock lasts without renewal: how soon a dead worker's job is retried. */
  lockMs: number
  /** A job may be found stalled this many times before it fails instead of being retried. */
  maxStalled: number
  /** Lines about each job (`started ID`, `completed ID`, `failed ID: …`). */
  log: (line: string) => void
}

// These fail the same way on every worker: retrying them only wastes the farm.
const FINAL: ReadonlySet<EngineErrorCode> = new Set([
  'bad_request',
  'model_invalid',
  'model_not_found',
  'cancelled',
  'numeric'
])

export interface RunningWorker {
  close(): Promise<void>
}

export async function startFarmWorker(options: FarmWorkerOptions): Promise<RunningWorker> {
  const redis = connectRedis(options.url, 'cache-studio-worker')
  const subscriber = connectRedis(options.url, 'cache-studio-worker-cancel')
  const store = new FarmStore(redis)
  const worker = new Worker(QUEUE_NAME, (job, _token, signal) => processJob(job, signal, options, store), {
    connection: redis,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: Math.max(500, Math.floor(options.lockMs / 2)),
    maxStalledCount: options.maxStalled,
    autorun: false
  })
  worker.on('error', (e) => options.log(`error: ${e.message}`))
  await subscribeCancels(subscriber, worker)
  await worker.waitUntilReady()
  void worker.run()
  return {
    close: async () => {
      await worker.close()
      subscriber.disconnect()
      redis.disconnect()
    }
  }
}

async function processJob(
  job: Job,
  signal: AbortSignal | undefined,
  options: FarmWorkerOptions,
  store: FarmStore
): Promise<{ wrote: boolean }> {
  const id = job.id as string
  const data = FarmJobDataSchema.safeParse(job.data)
  if (!data.success)
    throw new UnrecoverableError(`bad_request: ${describeIssues(`farm job ${id}`, data.error)}`)
  if (await store.isCancelled(id)) throw new UnrecoverableError('cancelled: generation cancelled')
  // A result already written (by a run whose worker died before BullMQ marked the job completed).
  if (await store.result(id)) {
    options.log(`reused ${id}`)
    return { wrote: false }
  }
  options.log(`started ${id}`)
  const t0 = performance.now()
  try {
    const result = await options.engine.generate(data.data.request, {
      signal,
      onProgress: (event) => void job.updateProgress(toWireProgress(event)).catch(() => undefined)
    })
    const wrote = await store.putResult(id, toWireImage(result, data.data.index))
    // The job's wall time beside the engine's: their difference is the farm's overhead per job.
    const ms = (performance.now() - t0).toFixed(1)
    const kept = wrote ? '' : '; a result was already stored, that one is kept'
    options.log(`completed ${id} in ${ms} ms (engine ${result.timings.totalMs.toFixed(1)} ms${kept})`)
    return { wrote }
  } catch (e) {
    const error = toEngineError(e)
    options.log(`failed ${id}: ${error.code}: ${error.message}`)
    const reason = `${error.code}: ${error.message}`
    throw FINAL.has(error.code) ? new UnrecoverableError(reason) : new Error(reason)
  }
}

/** Cancels published by a server stop the named jobs if this worker runs them. */
async function subscribeCancels(subscriber: Redis, worker: Worker): Promise<void> {
  subscriber.on('message', (_channel: string, message: string) => {
    let ids: unknown
    try {
      ids = JSON.parse(message)
    } catch {
      return
    }
    if (!Array.isArray(ids)) return
    for (const id of ids) if (typeof id === 'string') worker.cancelJob(id, 'cancelled')
  })
  await subscriber.subscribe(CANCEL_CHANNEL)
}
