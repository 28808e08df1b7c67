import { Queue, QueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import { cancelled, EngineFailure } from '../../main/engine/errors'
import { EngineErrorCodeSchema } from '../../shared/engine-protocol'
import type { Runner, RunHooks, RunnableJob } from '../runner'
import { WireProgressSchema, type WireImage } from '../wire'
import { connectRedis, FarmStore, QUEUE_NAME, type FarmJobData } from './redis'

/**
 * `serve --queue redis://…`: each image of a job becomes one BullMQ job, so the images of one
 * request spread over the workers; their progress and results come back through Redis, and the
 * images are handed on in the order they were submitted, whichever worker finishes first.
 */

/** Attempts per image for failures that may pass (a crashed engine); deterministic ones fail at once. */
const ATTEMPTS = 3

interface Watch {
  index: number
  hooks: RunHooks
  resolve: (image: WireImage) => void
  reject: (e: Error) => void
}

export class FarmRunner implements Runner {
  readonly mode = 'farm'
  readonly capacity: number
  readonly #redis: Redis
  readonly #queue: Queue
  readonly #events: QueueEvents
  readonly #store: FarmStore
  readonly #watching = new Map<string, Watch>()

  private constructor(redis: Redis, queue: Queue, events: QueueEvents, capacity: number) {
    this.capacity = capacity
    this.#redis = redis
    this.#queue = queue
    this.#events = events
    this.#store = new FarmStore(redis)
    events.on('progress', ({ jobId, data }) => {
      const watch = this.#watching.get(jobId)
      const event = WireProgressSchema.safeParse(data)
      if (watch && event.success) watch.hooks.onProgress(watch.index, event.data)
    })
    events.on('stalled', ({ jobId }) => {
      const watch = this.#watching.get(jobId)
      watch?.hooks.onRetry?.(watch.index, 'its worker stopped answering; the job went back to the queue')
    })
    events.on('completed', ({ jobId }) => void this.#completed(jobId))
    events.on('failed', ({ jobId, failedReason }) => {
      this.#settle(jobId)?.reject(farmFailure(failedReason))
    })
  }

  static async connect(url: string, capacity: number): Promise<FarmRunner> {
    const redis = connectRedis(url, 'cache-studio-serve')
    const queue = new Queue(QUEUE_NAME, { connection: redis })
    const events = new QueueEvents(QUEUE_NAME, { connection: connectRedis(url, 'cache-studio-serve-events') })
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()])
    } catch (e) {
      await Promise.allSettled([events.close(), queue.close()])
      redis.disconnect()
      throw new Error(`cannot reach the farm's Redis at ${url}: ${(e as Error).message}`)
    }
    return new FarmRunner(redis, queue, events, capacity)
  }

  async run(job: RunnableJob, hooks: RunHooks): Promise<WireImage[]> {
    const ids = job.requests.map((_, index) => `${job.id}.${index}`)
    // Watched before they are added, so no event of theirs can be missed.
    const results = ids.map(
      (id, index) =>
        new Promise<WireImage>((resolve, reject) => this.#watching.set(id, { index, hooks, resolve, reject }))
    )
    for (const r of results) r.catch(() => undefined)
    const onAbort = () => void this.#cancel(ids)
    hooks.signal.addEventListener('abort', onAbort, { once: true })
    try {
      if (hooks.signal.aborted) throw cancelled()
      await this.#queue.addBulk(
        job.requests.map((request, index) => ({
          name: 'generate',
          data: { job: job.id, index, request } satisfies FarmJobData,
          opts: {
            jobId: ids[index],
            attempts: ATTEMPTS,
            backoff: { type: 'fixed', delay: 1000 },
            removeOnComplete: { age: 3600 },
            removeOnFail: { age: 24 * 3600 }
          }
        }))
      )
      // The first image to fail fails the job at once, not when the images before it are done.
      const failed = new Promise<never>((_, reject) => results.forEach((r) => r.catch(reject)))
      failed.catch(() => undefined)
      const images: WireImage[] = []
      for (const result of results) {
        const image = await Promise.race([result, failed])
        hooks.onImage(image)
        images.push(image)
      }
      return images
    } catch (e) {
      await this.#cancel(ids).catch(() => undefined)
      if (hooks.signal.aborted) throw cancelled()
      throw e
    } finally {
      hooks.signal.removeEventListener('abort', onAbort)
      for (const id of ids) this.#settle(id)
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#queue.close()])
    this.#redis.disconnect()
  }

  async #completed(jobId: string): Promise<void> {
    if (!this.#watching.has(jobId)) return
    try {
      const image = await this.#store.result(jobId)
      if (!image) throw new EngineFailure('internal', `farm job ${jobId} completed without a stored result`)
      this.#settle(jobId)?.resolve(image)
    } catch (e) {
      this.#settle(jobId)?.reject(e as Error)
    }
  }

  /** Waiting images are removed; running ones are told to stop (the workers listen). */
  async #cancel(ids: readonly string[]): Promise<void> {
    await this.#store.cancel(ids)
    for (const id of ids) {
      const job = await this.#queue.getJob(id)
      if (job && (await job.isWaiting())) await job.remove().catch(() => undefined)
      this.#settle(id)?.reject(cancelled())
    }
  }

  #settle(id: string): Watch | undefined {
    const watch = this.#watching.get(id)
    this.#watching.delete(id)
    return watch
  }
}

/** A worker's failure reads `code: message` (farm-worker.ts); anything else is `internal`. */
function farmFailure(reason: string): EngineFailure {
  const match = /^([a-z_]+): (.*)$/s.exec(reason)
  const code = match ? EngineErrorCodeSchema.safeParse(match[1]) : null
  if (match && code?.success) return new EngineFailure(code.data, match[2])
  return new EngineFailure('internal', `farm worker: ${reason}`)
}
