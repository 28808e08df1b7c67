import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decode } from 'fast-png'
import type { Engine } from '../../src/main/engine/engine'
import { EngineFailure } from '../../src/main/engine/errors'
import { RemoteEngine } from '../../src/main/remote/remote-engine'
import {
  GenerateRequestSchema,
  type GenerateRequestInput,
  type ProgressEvent
} from '../../src/shared/generation'
import { localEngine, startServe, type StudioProcess } from './studio-process'

/**
 * The app's remote engine client (src/main/remote) against `studio serve` on loopback: the same
 * result as the local engine (pixels, PNG, cache trace), live progress with the trace, cancel,
 * and a server that dies mid-job or refuses the token is a clear failure.
 */

let server: StudioProcess
let url: string
let token: string
let engine: Engine

beforeAll(async () => {
  ;[{ server, url, token }, engine] = await Promise.all([startServe(), localEngine()])
}, 120_000)

afterAll(async () => {
  await Promise.all([server?.stop(), engine?.dispose()])
})

const input = (extra: Partial<GenerateRequestInput> = {}): GenerateRequestInput => ({
  model: 'tiny-image',
  prompt: 'a blue square on the left on a white background',
  seed: 4,
  steps: 12,
  cache: { preset: 'F8B0', overrides: { Fn: 1, maxWarmupSteps: 3 } },
  provider: 'cpu',
  ...extra
})

async function failure(p: Promise<unknown>): Promise<EngineFailure> {
  const e = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(e).toBeInstanceOf(EngineFailure)
  return e as EngineFailure
}

describe('RemoteEngine (the app on studio serve)', () => {
  it("lists the server's models and generates what the local engine generates, trace included", async () => {
    const remote = new RemoteEngine({ url, token })
    expect((await remote.health()).mode).toBe('local')
    const models = await remote.listModels()
    expect(models.find((m) => m.id === 'tiny-image')?.kind).toBe('image')

    const progress: ProgressEvent[] = []
    const got = await remote.generate(input(), { onProgress: (e) => progress.push(e) })
    const want = await engine.generate(GenerateRequestSchema.parse(input()))
    expect(Buffer.compare(decode(got.files[0].bytes).data as Uint8Array, want.pixels)).toBe(0)
    expect(Buffer.compare(got.files[0].bytes, want.files[0].bytes)).toBe(0)
    expect(got.recipe).toEqual(want.recipe)
    const decisions = (t: typeof got.trace) => t.map(({ ms: _ms, ...rest }) => rest)
    expect(decisions(got.trace)).toEqual(decisions(want.trace))
    expect(got.summary.blocksRun).toBe(want.summary.blocksRun)
    expect(progress.map((e) => e.step)).toEqual([...Array(12).keys()])
    expect(progress.every((e) => e.traces.length > 0)).toBe(true)
  })

  it('cancels on the server when the signal aborts', async () => {
    const remote = new RemoteEngine({ url, token })
    const controller = new AbortController()
    const run = remote.generate(input({ steps: 1000 }), {
      signal: controller.signal,
      onProgress: () => controller.abort()
    })
    expect((await failure(run)).code).toBe('cancelled')
    // The server is free again: the next generate runs.
    expect((await remote.generate(input({ steps: 2 }))).recipe.steps).toBe(2)
  })

  it('a wrong token, an unreachable server and a server that dies mid-job are clear failures', async () => {
    const wrong = await failure(new RemoteEngine({ url, token: 'not-the-right-token' }).listModels())
    expect(wrong.message).toMatch(/refused the token/)
    const nowhere = await failure(new RemoteEngine({ url: 'http://127.0.0.1:9', token }).listModels())
    expect(nowhere.code).toBe('engine_crashed')
    expect(nowhere.message).toMatch(/127\.0\.0\.1:9: connection lost/)

    const doomed = await startServe()
    const remote = new RemoteEngine({ url: doomed.url, token: doomed.token })
    const run = remote.generate(input({ steps: 1000 }), { onProgress: () => doomed.server.kill('SIGKILL') })
    const lost = await failure(run)
    expect(lost.code).toBe('engine_crashed')
    expect(lost.message).toMatch(/connection lost/)
    await doomed.server.exited
  })
})
