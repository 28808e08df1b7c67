import { Redis } from 'ioredis'
import { z } from 'zod'
import { GenerateRequestSchema } from '../../shared/generation'
import { describeIssues } from '../../shared/validation'
import { WireImageSchema, type WireImage } from '../wire'

/**
 * What the farm keeps in Redis besides BullMQ's own keys (docs/serving.md, "The farm"):
 * - each image is one BullMQ job in QUEUE_NAME, its data a FarmJobData, its id `<job>.<index>`;
 * - its result is written once, keyed by that id (SET NX): a job run again after its worker was
 *   lost, or by a worker that kept going after its lock expired, finds the result there and does
 *   not write a second one, so every job has exactly one result whatever ran it;
 * - a cancelled job id is marked, so a worker that picks it up later skips it, and published on
 *   CANCEL_CHANNEL, so the worker running it stops at its next engine call.
 */

export const QUEUE_NAME = 'cache-studio-generate'
export const CANCEL_CHANNEL = 'cache-studio:cancel'
const RESULT_TTL_S = 24 * 3600
const resultKey = (id: string) => `cache-studio:result:${id}`
const cancelKey = (id: string) => `cache-studio:cancelled:${id}`

export const FarmJobDataSchema = z
  .object({
    /** The server's job this image belongs to, and its place in that job's batch. */
    job: z.string(),
    index: z.number().int().min(0),
    request: GenerateRequestSchema
  })
  .strict()
export type FarmJobData = z.infer<typeof FarmJobDataSchema>

const RedisUrlSchema = z
  .string()
  .url()
  .refine((u) => /^rediss?:\/\//.test(u), 'expected redis://HOST:PORT[/DB] or rediss://…')

/** A connection BullMQ can share its blocking commands with (it needs no per-request retry cap). */
export function connectRedis(url: string, name: string): Redis {
  const parsed = RedisUrlSchema.safeParse(url)
  if (!parsed.success) throw new Error(describeIssues('--queue', parsed.error))
  return new Redis(parsed.data, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false })
}

export class FarmStore {
  readonly #redis: Redis

  constructor(redis: Redis) {
    this.#redis = redis
  }

  /** Writes the job's result unless one is there already; true when this call wrote it. */
  async putResult(id: string, image: WireImage): Promise<boolean> {
    const written = await this.#redis.set(resultKey(id), JSON.stringify(image), 'EX', RESULT_TTL_S, 'NX')
    return written === 'OK'
  }

  /** The job's result, checked against the schema (Redis is a boundary too). */
  async result(id: string): Promise<WireImage | null> {
    const text = await this.#redis.get(resultKey(id))
    if (text === null) return null
    const parsed = WireImageSchema.safeParse(JSON.parse(text))
    if (!parsed.success) throw new Error(describeIssues(`farm result ${id}`, parsed.error))
    return parsed.data
  }

  async cancel(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    const multi = this.#redis.multi()
    for (const id of ids) multi.set(cancelKey(id), '1', 'EX', RESULT_TTL_S)
    await multi.exec()
    await this.#redis.publish(CANCEL_CHANNEL, JSON.stringify(ids))
  }

  async isCancelled(id: string): Promise<boolean> {
    return (await this.#redis.exists(cancelKey(id))) === 1
  }
}
