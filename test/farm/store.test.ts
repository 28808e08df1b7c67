import { Queue, QueueEvents } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/engine'
import { startFarmWorker, type RunningWorker } from '../../src/serve/farm/farm-worker'
import { connectRedis, FarmStore, QUEUE_NAME } from '../../src/serve/farm/redis'
import { toWireImage } from '../../src/serve/wire'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { localEngine } from '../serve/studio-process'
import { hasRedisServer, startRedis, type RedisProcess } from './redis-process'

/**
 * The farm's write-once results (src/serve/farm/redis.ts): the first result of a job id is the
 * one kept, and a worker handed a job whose result is already stored (its first worker died
 * after writing it) completes it without running the engine again.
 */

const REDIS = hasRedisServer()

let redis: RedisProcess
let engine: Engine

beforeAll(async () => {
  if (!REDIS) return
  ;[redis, engine] = await Promise.all([startRedis(), localEngine()])
}, 120_000)

afterAll(async () => {
  await engine?.dispose()
  await redis?.stop()
})

const request = GenerateRequestSchema.parse({
  model: 'tiny-image',
  prompt: 'a red square at the center on a blue background',
  seed: 1,
  steps: 3,
  provider: 'cpu'
})

describe.skipIf(!REDIS)('farm results, written once per job id', () => {
  it('keeps the first result of an id; a second write is refused', async () => {
    const client = connectRedis(redis.url, 'test-store')
    const store = new FarmStore(client)
    const first = toWireImage(await engine.generate(request), 0)
    const second = toWireImage(await engine.generate({ ...request, seed: 2 }), 0)
    expect(await store.putResult('once.0', first)).toBe(true)
    expect(await store.putResult('once.0', second)).toBe(false)
    expect((await store.result('once.0'))?.recipe.seed).toBe(1)
    client.disconnect()
  })

  it('a job whose result is already stored completes without running again', async () => {
    const client = connectRedis(redis.url, 'test-reuse')
    const store = new FarmStore(client)
    const stored = toWireImage(await engine.generate(request), 0)
    expect(await store.putResult('reused.0', stored)).toBe(true)

    const lines: string[] = []
    const worker: RunningWorker = await startFarmWorker({
      url: redis.url,
      engine,
      concurrency: 1,
      lockMs: 5000,
      maxStalled: 1,
      log: (line) => lines.push(line)
    })
    const queue = new Queue(QUEUE_NAME, { connection: connectRedis(redis.url, 'test-queue') })
    const events = new QueueEvents(QUEUE_NAME, { connection: connectRedis(redis.url, 'test-events') })
    await events.waitUntilReady()
    const job = await queue.add('generate', { job: 'reused', index: 0, request }, { jobId: 'reused.0' })
    await job.waitUntilFinished(events, 30_000)
    expect(lines).toContain('reused reused.0')
    expect(lines.some((l) => l.startsWith('started reused.0'))).toBe(false)
    expect((await store.result('reused.0'))?.png_b64).toBe(stored.png_b64)

    await worker.close()
    await Promise.all([events.close(), queue.close()])
    client.disconnect()
  })
})
