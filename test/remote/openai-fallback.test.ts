import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decode } from 'fast-png'
import { entryFrames } from '../../src/main/gallery/frames'
import { RemoteEngine } from '../../src/main/remote/remote-engine'
import { PLAIN_MODEL, PLAIN_TOKEN, startPlainServer, type PlainServer } from './plain-server'

/**
 * A remote engine that is a plain OpenAI-Images-compatible server (no studio serve /health, no
 * job events): RemoteEngine falls back to the blocking POST /v1/images/generations and returns
 * the image without trace, with a recipe that says what was asked and who answered.
 */
let server: PlainServer
beforeAll(async () => void (server = await startPlainServer()))
afterAll(() => server?.close())

const request = {
  model: PLAIN_MODEL,
  prompt: 'a red square',
  seed: 3,
  steps: 10,
  cache: { preset: 'F8B0' as const, overrides: {} },
  provider: 'auto' as const
}

describe('RemoteEngine on a plain OpenAI-Images-compatible server', () => {
  it('test connection says it is a plain server and lists its models', async () => {
    const probe = await new RemoteEngine({ url: server.url, token: PLAIN_TOKEN }).probe()
    expect(probe).toEqual({
      server: 'openai',
      version: null,
      models: [{ id: PLAIN_MODEL, name: PLAIN_MODEL, kind: 'image' }]
    })
  })

  it('generates through the blocking endpoint: the image as RGBA, no trace, no progress, the recipe of what was asked', async () => {
    const remote = new RemoteEngine({ url: server.url, token: PLAIN_TOKEN })
    const progress: unknown[] = []
    const before = server.requests.length
    const result = await remote.generate(request, { onProgress: (e) => progress.push(e) })
    const sent = server.requests.slice(before)
    expect(sent).toHaveLength(1)
    // Only the API's own fields: a plain server may refuse ours.
    expect(sent[0].body).toEqual({
      model: PLAIN_MODEL,
      prompt: 'a red square',
      n: 1,
      response_format: 'b64_json'
    })
    expect(sent[0].authorization).toBe(`Bearer ${PLAIN_TOKEN}`)
    expect(progress).toEqual([])
    expect(result.trace).toEqual([])
    expect([result.width, result.height, result.frames]).toEqual([8, 6, 1])
    // The server's RGB PNG is kept as it came; the compare view reads it as RGBA, alpha opaque.
    const expected = new Uint8Array(8 * 6 * 4)
    for (let i = 0; i < 48; i++) expected.set([...server.rgb.subarray(i * 3, i * 3 + 3), 255], i * 4)
    const entry = { ...result, id: 'e', createdAt: '', files: result.files }
    expect(Buffer.from(entryFrames(entry)).equals(Buffer.from(expected))).toBe(true)
    expect(decode(result.files[0].bytes).width).toBe(8)
    expect(result).not.toHaveProperty('pixels')
    expect(result.recipe).toMatchObject({
      model: PLAIN_MODEL,
      prompt: 'a red square',
      preset: 'none',
      steps: 0,
      seed: 0,
      engineVersion: `openai-images ${server.url}`,
      width: 8,
      height: 6
    })
    expect(result.recipe.cache.enabled).toBe(false)
  })

  it('sends the size when the request has one', async () => {
    const before = server.requests.length
    await new RemoteEngine({ url: server.url, token: PLAIN_TOKEN }).generate({
      ...request,
      width: 64,
      height: 32
    })
    expect(server.requests[before].body['size']).toBe('64x32')
  })

  it('cancel hangs up on the server and answers cancelled', async () => {
    server.delayMs = 1500
    try {
      const controller = new AbortController()
      const before = server.requests.length
      const run = new RemoteEngine({ url: server.url, token: PLAIN_TOKEN }).generate(request, {
        signal: controller.signal
      })
      await expect.poll(() => server.requests.length).toBe(before + 1)
      controller.abort()
      await expect(run).rejects.toMatchObject({ code: 'cancelled' })
      await new Promise((r) => setTimeout(r, 1600))
      expect(server.requests[before].hungUp).toBe(true)
    } finally {
      server.delayMs = 0
    }
  })

  it('a wrong token is refused by name', async () => {
    const remote = new RemoteEngine({ url: server.url, token: 'not-the-token-0123456789' })
    await expect(remote.generate(request)).rejects.toThrow(/refused the token/)
  })

  it('a server that is gone is a lost connection naming it', async () => {
    const gone = await startPlainServer()
    await gone.close()
    const remote = new RemoteEngine({ url: gone.url, token: PLAIN_TOKEN })
    await expect(remote.generate(request)).rejects.toMatchObject({
      code: 'engine_crashed',
      message: expect.stringMatching(new RegExp(`${gone.url}: connection lost`))
    })
  })
})
