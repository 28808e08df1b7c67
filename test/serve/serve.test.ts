import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/engine'
import { JobEventSchema, type JobEvent } from '../../src/serve/wire'
import { localEngine, localPng, startServe, type StudioProcess } from './studio-process'

/**
 * `studio serve` as a real process on loopback, driven by the official openai client and by
 * plain fetch: the served PNG is the local engine's PNG byte for byte, and auth, validation,
 * size limits, the bounded queue, the job event stream and cancel behave as docs/serving.md says.
 */

let server: StudioProcess
let url: string
let token: string
let engine: Engine
let client: OpenAI

const PROMPT = 'a red circle at the center on a blue background'

beforeAll(async () => {
  ;[{ server, url, token }, engine] = await Promise.all([
    startServe(['--max-queue', '4', '--body-limit', '65536']),
    localEngine()
  ])
  client = new OpenAI({ apiKey: token, baseURL: `${url}/v1`, maxRetries: 0 })
}, 120_000)

afterAll(async () => {
  await Promise.all([server?.stop(), engine?.dispose()])
})

const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
const post = (path: string, body: unknown, headers: Record<string, string> = auth()) =>
  fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })

/** Reads a job's server-sent events until the stream ends, each checked against the shared schema. */
async function readEvents(id: string, onEvent: (e: JobEvent) => void = () => {}): Promise<JobEvent[]> {
  const res = await fetch(`${url}/v1/jobs/${id}/events`, { headers: auth() })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const events: JobEvent[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = block.split('\n').find((l) => l.startsWith('data: '))
      if (!data) continue
      const event = JobEventSchema.parse(JSON.parse(data.slice(6)))
      expect(block).toContain(`event: ${event.type}`)
      events.push(event)
      onEvent(event)
    }
  }
  return events
}

describe('studio serve', () => {
  it('images.generate (official openai client) returns the PNGs a local generation of the same recipe makes, bit for bit', async () => {
    const cache = { preset: 'F1B0' as const, overrides: { maxWarmupSteps: 2 } }
    const params = {
      model: 'tiny-image',
      prompt: PROMPT,
      n: 2,
      size: '32x32' as const,
      response_format: 'b64_json' as const,
      cache_studio: { seed: 11, steps: 10, guidance: 3, negative_prompt: 'green', cache }
    }
    const response = await client.images.generate(params)
    expect(response.data).toHaveLength(2)
    for (const [i, image] of (response.data ?? []).entries()) {
      const served = new Uint8Array(Buffer.from(image.b64_json as string, 'base64'))
      const local = await localPng(engine, {
        model: 'tiny-image',
        prompt: PROMPT,
        seed: 11 + i,
        steps: 10,
        guidanceScale: 3,
        negativePrompt: 'green',
        cache
      })
      expect(served.length).toBeGreaterThan(100)
      expect(Buffer.compare(served, local)).toBe(0)
    }
    // The studio's extras ride beside OpenAI's fields: the recipe, the trace and its summary.
    const extra = (
      response as unknown as { cache_studio: { images: { recipe: { seed: number }; trace: unknown[] }[] } }
    ).cache_studio
    expect(extra.images.map((i) => i.recipe.seed)).toEqual([11, 12])
    expect(extra.images[0].trace.length).toBeGreaterThan(0)
  })

  it('answers 401 without the bearer token or with a wrong one; /health needs none', async () => {
    const none = await post('/v1/images/generations', { prompt: 'x' }, { 'content-type': 'application/json' })
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    const wrong = new OpenAI({ apiKey: 'not-the-token-at-all', baseURL: `${url}/v1`, maxRetries: 0 })
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    expect((await fetch(`${url}/health`)).status).toBe(200)
  })

  it('answers 400 naming the field of a bad payload', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ prompt: PROMPT, n: 0 }, 'n'],
      [{ prompt: PROMPT, response_format: 'url' }, 'response_format'],
      [{ prompt: PROMPT, size: '64x64', model: 'tiny-image' }, 'size'],
      [{ prompt: PROMPT, cache_studio: { cache: 'F9B9' } }, 'cache_studio.cache'],
      [{ prompt: PROMPT, cache_studio: { seed: -1 } }, 'cache_studio.seed'],
      [{ prompt: PROMPT, quality: 'hd' }, '(payload)'],
      [{ n: 1 }, 'prompt']
    ]
    for (const [body, field] of cases) {
      const res = await post('/v1/images/generations', { model: 'tiny-image', ...body })
      const json = (await res.json()) as { error: { message: string; param: string | null } }
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(json.error.message).toContain(field === '(payload)' ? 'quality' : field)
      if (field !== '(payload)') expect(json.error.param).toBe(field)
    }
    // The openai client surfaces the same as its typed error.
    const error = await client.images
      .generate({ model: 'tiny-image', prompt: PROMPT, n: 11 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n')
  })

  it('answers 413 to a body over --body-limit and 404 to an unknown model', async () => {
    const big = await post('/v1/images/generations', { prompt: 'x'.repeat(70_000) })
    expect(big.status).toBe(413)
    const unknown = await post('/v1/images/generations', { model: 'no-such-model', prompt: PROMPT })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe('model')
  })

  it('lists its models in OpenAI shape', async () => {
    const ids: string[] = []
    for await (const model of client.models.list()) ids.push(model.id)
    expect(ids).toContain('tiny-image')
  })

  it('survives a 200-request burst: every answer is 200 or 429, and it keeps answering', async () => {
    const body = { model: 'tiny-image', prompt: PROMPT, cache_studio: { seed: 5, steps: 2 } }
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () =>
        post('/v1/images/generations', body).then(async (r) => {
          await r.arrayBuffer()
          return r.status
        })
      )
    )
    const counts = new Map<number, number>()
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1)
    expect([...counts.keys()].sort()).toEqual([200, 429])
    // One running plus --max-queue 4 waiting were taken at once; the rest were refused at once.
    expect(counts.get(200)).toBeGreaterThanOrEqual(5)
    expect(server.alive).toBe(true)
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string }
    expect(health.status).toBe('ok')
    const after = await post('/v1/images/generations', body)
    expect(after.status).toBe(200)
  })

  it("streams a job's progress with the per-step cache trace, then its image, as server-sent events", async () => {
    const steps = 6
    const res = await post('/v1/jobs', {
      model: 'tiny-image',
      prompt: PROMPT,
      cache_studio: { seed: 21, steps, cache: { preset: 'F1B0', overrides: { maxWarmupSteps: 1 } } }
    })
    expect(res.status).toBe(202)
    const { id } = (await res.json()) as { id: string }
    const events = await readEvents(id)
    const types = events.map((e) => e.type)
    expect(types[0]).toBe('queued')
    expect(types.slice(-2)).toEqual(['image', 'succeeded'])
    const progress = events.filter((e) => e.type === 'progress')
    expect(progress.map((e) => e.event.step)).toEqual([...Array(steps).keys()])
    for (const e of progress) {
      expect(e.event.totalSteps).toBe(steps)
      expect(e.event.traces.length).toBeGreaterThan(0)
    }
    // After warmup the trace carries the probe's distance and the decision it led to.
    const later = progress[steps - 1].event.traces[0]
    expect(later.distance).not.toBeNull()
    expect(later.reason).toMatch(/similar|over_threshold|max_/)
    const job = (await (await fetch(`${url}/v1/jobs/${id}`, { headers: auth() })).json()) as {
      status: string
      result: { data: { b64_json: string }[] }
    }
    expect(job.status).toBe('succeeded')
    const local = await localPng(engine, {
      model: 'tiny-image',
      prompt: PROMPT,
      seed: 21,
      steps,
      cache: { preset: 'F1B0', overrides: { maxWarmupSteps: 1 } }
    })
    expect(Buffer.compare(Buffer.from(job.result.data[0].b64_json, 'base64'), local)).toBe(0)
  })

  it('cancels the job of a blocking request whose client hangs up', async () => {
    const controller = new AbortController()
    // Uncached and several images, so the job is still running when the hang-up reaches the server
    // even on a loaded machine (a cached 1000-step tiny job can end within one poll).
    const body = {
      model: 'tiny-image',
      prompt: PROMPT,
      n: 4,
      cache_studio: { seed: 3, steps: 1000, job_id: 'hung-up', cache: { preset: 'none' } }
    }
    const blocking = fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify(body),
      signal: controller.signal
    }).catch(() => null)
    let firstStep: () => void = () => {}
    const stepped = new Promise<void>((r) => (firstStep = r))
    let stream: Promise<JobEvent[]> | null = null
    while (!stream) {
      const probe = await fetch(`${url}/v1/jobs/hung-up`, { headers: auth() })
      if (probe.status === 200) stream = readEvents('hung-up', (e) => e.type === 'progress' && firstStep())
      else await new Promise((r) => setTimeout(r, 50))
    }
    await stepped
    controller.abort()
    await blocking
    const events = await stream
    expect(events[events.length - 1].type).toBe('cancelled')
    expect(events.filter((e) => e.type === 'image')).toHaveLength(0)
  })

  it('cancels a running job (DELETE /v1/jobs/:id): its stream ends cancelled, a blocking request on it gets 409', async () => {
    const body = {
      model: 'tiny-image',
      prompt: PROMPT,
      cache_studio: { seed: 2, steps: 1000, job_id: 'long-blocking-job' }
    }
    const blocking = post('/v1/images/generations', body)
    let firstStep: () => void = () => {}
    const stepped = new Promise<void>((r) => (firstStep = r))
    // The stream may open before the job exists on the server: retry until it does.
    let stream: Promise<JobEvent[]> | null = null
    while (!stream) {
      const probe = await fetch(`${url}/v1/jobs/long-blocking-job`, { headers: auth() })
      if (probe.status === 200)
        stream = readEvents('long-blocking-job', (e) => e.type === 'progress' && firstStep())
      else await new Promise((r) => setTimeout(r, 50))
    }
    await stepped
    const cancel = await fetch(`${url}/v1/jobs/long-blocking-job`, { method: 'DELETE', headers: auth() })
    expect(cancel.status).toBe(200)
    expect(((await cancel.json()) as { status: string }).status).toBe('cancelled')
    const events = await stream
    expect(events[events.length - 1].type).toBe('cancelled')
    expect(events.filter((e) => e.type === 'progress').length).toBeLessThan(1000)
    const answer = await blocking
    expect(answer.status).toBe(409)
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('cancelled')
    // Cancelling it again: it has already finished.
    expect(
      (await fetch(`${url}/v1/jobs/long-blocking-job`, { method: 'DELETE', headers: auth() })).status
    ).toBe(409)
  })
})
