import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/engine'
import { JobEventSchema, type JobEvent } from '../../src/serve/wire'
import { FIXTURE_MODELS, localEngine, localPng, startServe, StudioProcess } from '../serve/studio-process'
import { hasRedisServer, startRedis, type RedisProcess } from './redis-process'

/**
 * The render farm on loopback: a private redis-server, three `studio worker` processes and
 * `studio serve --queue`. 60 images in six batches of ten go through the official openai client;
 * one worker is killed (SIGKILL) while it runs an image. Every image must come back, in the order
 * it was asked for, equal to its local generation, and each must be completed exactly once.
 */

const REDIS = hasRedisServer()
if (!REDIS) {
  console.warn(
    "test/farm skipped: redis-server is not installed (scripts/test.sh installs Debian's redis-server)"
  )
}

const STEPS = 30
const BATCHES = 6
const PER_BATCH = 10
const PROMPTS = [
  'a red circle at the center on a blue background',
  'a green square on the left on a white background',
  'a blue triangle at the top on a yellow background',
  'a yellow circle on the right on a black background',
  'a white square at the bottom on a red background',
  'a black triangle at the center on a green background'
]

let redis: RedisProcess
let workers: StudioProcess[] = []
let server: StudioProcess
let url: string
let token: string
let engine: Engine

beforeAll(async () => {
  if (!REDIS) return
  redis = await startRedis()
  workers = [0, 1, 2].map(
    () =>
      new StudioProcess([
        'worker',
        '--queue',
        redis.url,
        '--models-dir',
        FIXTURE_MODELS,
        '--threads',
        '1',
        // A lost worker's job is back in the queue within about two seconds.
        '--lock-ms',
        '2000'
      ])
  )
  const [served, local] = await Promise.all([
    startServe(['--queue', redis.url, '--max-jobs', String(BATCHES)]),
    localEngine(),
    ...workers.map((w) => w.waitFor(/waiting for jobs/))
  ])
  ;({ server, url, token } = served)
  engine = local
}, 180_000)

afterAll(async () => {
  await Promise.all([server?.stop(), ...workers.map((w) => w.stop()), engine?.dispose()])
  await redis?.stop()
})

describe.skipIf(!REDIS)('render farm (studio worker + serve --queue on redis-server)', () => {
  it('60 images on three workers, one killed mid-job: none lost, none completed twice, each in order and equal to its local generation', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${url}/v1`, maxRetries: 0, timeout: 300_000 })
    // Kill the first worker as soon as it starts an image (the lines come as the worker logs them).
    const victim = workers[0]
    const killed = victim.waitFor(/started (\S+)/, 120_000).then((m) => {
      victim.kill('SIGKILL')
      return m[1]
    })
    const responses = await Promise.all(
      PROMPTS.slice(0, BATCHES).map((prompt, b) => {
        // The studio's field beside OpenAI's: a variable, so the client's types take the extra key.
        const params = {
          model: 'tiny-image',
          prompt,
          n: PER_BATCH,
          cache_studio: { seed: 1000 * (b + 1), steps: STEPS, cache: 'F1B0' }
        }
        return client.images.generate(params)
      })
    )
    const killedJob = await killed
    await victim.exited

    // Outputs in order of submission, each the local engine's PNG byte for byte.
    for (const [b, response] of responses.entries()) {
      const extra = (
        response as unknown as { cache_studio: { images: { index: number; recipe: { seed: number } }[] } }
      ).cache_studio
      expect(extra.images.map((i) => i.index)).toEqual([...Array(PER_BATCH).keys()])
      expect(extra.images.map((i) => i.recipe.seed)).toEqual(extra.images.map((_, i) => 1000 * (b + 1) + i))
      for (const [i, image] of (response.data ?? []).entries()) {
        const local = await localPng(engine, {
          model: 'tiny-image',
          prompt: PROMPTS[b],
          seed: 1000 * (b + 1) + i,
          steps: STEPS,
          cache: { preset: 'F1B0', overrides: {} }
        })
        expect(
          Buffer.compare(Buffer.from(image.b64_json as string, 'base64'), local),
          `batch ${b} image ${i}`
        ).toBe(0)
      }
    }

    // Every one of the 60 images completed exactly once, across all workers; the killed worker's
    // image was started again by another worker and completed there.
    const lines = workers.flatMap((w) => w.lines)
    const completed = lines.flatMap((l) => /completed (\S+)/.exec(l)?.[1] ?? [])
    expect(completed).toHaveLength(BATCHES * PER_BATCH)
    expect(new Set(completed).size).toBe(BATCHES * PER_BATCH)
    expect(victim.lines.some((l) => l.includes(`completed ${killedJob}`))).toBe(false)
    const startedAgain = workers.slice(1).some((w) => w.lines.some((l) => l.includes(`started ${killedJob}`)))
    expect(startedAgain).toBe(true)

    // What a farm job costs beyond the engine's own time (the throughput model of docs/serving.md).
    const overheads = lines.flatMap((l) => {
      const m = /completed \S+ in ([\d.]+) ms \(engine ([\d.]+) ms/.exec(l)
      return m ? [Number(m[1]) - Number(m[2])] : []
    })
    expect(overheads).toHaveLength(BATCHES * PER_BATCH)
    overheads.sort((a, b) => a - b)
    console.log(
      `farm overhead per job (job wall - engine total, ${overheads.length} jobs, 3 workers + this process on ` +
        `one machine): median ${overheads[overheads.length >> 1].toFixed(1)} ms, P90 ${overheads[Math.floor(overheads.length * 0.9)].toFixed(1)} ms`
    )

    // The batch holding the killed image says so in its event history.
    const serveJob = killedJob.replace(/\.\d+$/, '')
    const events = await jobEvents(serveJob)
    expect(events.some((e) => e.type === 'retrying')).toBe(true)
    expect(events[events.length - 1].type).toBe('succeeded')
    expect(server.alive).toBe(true)
  }, 420_000)

  it("streams a farm job's progress through the queue and cancels it on the worker that runs it", async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        model: 'tiny-image',
        prompt: PROMPTS[0],
        cache_studio: { seed: 7, steps: 1000, job_id: 'farm-long' }
      })
    })
    expect(res.status).toBe(202)
    // A worker's steps reach the job's stream through the queue, with their cache decisions.
    const step = await firstEvent('farm-long', (e) => e.type === 'progress')
    expect(step.type === 'progress' && step.event.traces.length).toBeGreaterThan(0)
    const cancel = await fetch(`${url}/v1/jobs/farm-long`, { method: 'DELETE', headers: auth })
    expect(((await cancel.json()) as { status: string }).status).toBe('cancelled')
    const runner = workers.find((w) => w.lines.some((l) => l.includes('started farm-long.0')))
    expect(runner).toBeDefined()
    await runner!.waitFor(/failed farm-long\.0: cancelled/, 30_000)
    expect(workers.flatMap((w) => w.lines).some((l) => l.includes('completed farm-long.0'))).toBe(false)
  }, 120_000)
})

/** Reads a job's event stream until an event matches, then hangs up. */
async function firstEvent(id: string, match: (e: JobEvent) => boolean): Promise<JobEvent> {
  const controller = new AbortController()
  const res = await fetch(`${url}/v1/jobs/${id}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal
  })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`job ${id}: its stream ended without the event`)
    buffer += decoder.decode(value, { stream: true })
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .find((l) => l.startsWith('data: '))
      buffer = buffer.slice(end + 2)
      if (!data) continue
      const event = JobEventSchema.parse(JSON.parse(data.slice(6)))
      if (match(event)) {
        controller.abort()
        return event
      }
    }
  }
}

/** A finished job's whole event history. */
async function jobEvents(id: string): Promise<JobEvent[]> {
  const res = await fetch(`${url}/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${token}` } })
  const text = await res.text()
  return text
    .split('\n\n')
    .flatMap((block) => block.split('\n').filter((l) => l.startsWith('data: ')))
    .map((l) => JobEventSchema.parse(JSON.parse(l.slice(6))))
}
