import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/engine'
import { EngineRouter, type RouterEndpoint } from '../../src/main/remote/engine-router'
import type { EngineHostStatus } from '../../src/shared/engine-status'
import type { RemoteEngineStatus } from '../../src/shared/remote-engine'
import { localEngine, startServe, type StudioProcess } from '../serve/studio-process'
import { PLAIN_MODEL, PLAIN_TOKEN, startPlainServer, type PlainServer } from './plain-server'
import { remoteOnlyLocal } from './remote-only-local'

/**
 * The status the router reports while the engine is remote (what the status bar shows): a real
 * `studio serve` on loopback is watched — reachable, its version, where its jobs run and how many
 * — and when it is killed the status says the connection is lost; a plain OpenAI-Images server is
 * watched through its model list; going back to local stops the watching. The prompt's token
 * count comes from the server in use: studio serve's equals the local engine's, a plain server's
 * is unavailable. The local engine here is a stand-in that fails any call: nothing may reach it.
 */

const LOCAL_STATUS: EngineHostStatus = {
  state: 'ready',
  error: null,
  restarts: 0,
  gaveUp: false,
  version: '0.1.0',
  providers: ['cpu']
}
const local = remoteOnlyLocal({ status: LOCAL_STATUS })

const FAST = { intervalMs: 200, timeoutMs: 2_000 }

let serve: { server: StudioProcess; url: string; token: string }
let plain: PlainServer
let engine: Engine
let endpoint: RouterEndpoint = { mode: 'local' }
let router: EngineRouter
const seen: EngineHostStatus[] = []

beforeAll(async () => {
  ;[serve, plain, engine] = await Promise.all([startServe(), startPlainServer(), localEngine()])
  router = new EngineRouter(local, () => endpoint, { monitor: FAST })
  router.onStatus((s) => seen.push(s))
}, 120_000)

afterAll(async () => {
  await Promise.all([serve?.server.stop(), plain?.close(), engine?.dispose(), router?.dispose()])
})

const remoteNow = (): RemoteEngineStatus | null | undefined => router.status().remote
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('EngineRouter status while the engine is remote', () => {
  it('while local: the local engine status, no remote part', () => {
    expect(router.status()).toEqual({ ...LOCAL_STATUS, remote: null })
  })

  it("a studio serve: connecting, then reachable with its version, mode and jobs; its token count is the local engine's", async () => {
    endpoint = { mode: 'remote', url: serve.url, token: serve.token }
    router.endpointChanged()
    expect(seen.at(-1)?.remote).toMatchObject({ url: serve.url, state: 'connecting', lastSeen: null })
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('ready')
    expect(remoteNow()).toMatchObject({
      url: serve.url,
      server: 'studio',
      version: '0.1.0',
      mode: 'local',
      jobs: { running: 0, queued: 0, capacity: 1 },
      error: null
    })
    // Pushed to listeners as it changed, with this app's engine beside it.
    expect(seen.at(-1)).toMatchObject({ state: 'ready', remote: { state: 'ready', server: 'studio' } })
    // Unchanged answers are not pushed again.
    const pushed = seen.length
    await sleep(1_000)
    expect(seen.length).toBe(pushed)

    // A job running there: busy, with its count.
    const job = await fetch(`${serve.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'tiny-image',
        prompt: 'x',
        cache_studio: { steps: 1000, job_id: 'status-busy' }
      })
    })
    expect(job.status).toBe(202)
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('busy')
    expect(remoteNow()?.jobs).toMatchObject({ running: 1 })
    await fetch(`${serve.url}/v1/jobs/status-busy`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${serve.token}` }
    })
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('ready')

    const text = 'a red circle at the center on a blue background, zqxv'
    const remote = await router.request('countTokens', { model: 'tiny-image', text, extraModelDirs: [] })
    expect(remote).toEqual(await engine.countTokens({ model: 'tiny-image', text, extraModelDirs: [] }))
  })

  it('a killed server: the status says the connection is lost, and keeps what it ran', async () => {
    serve.server.kill('SIGKILL')
    await serve.server.exited
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('lost')
    const lost = remoteNow()!
    expect(lost.error).toMatch(/^connection lost \(/)
    expect(lost).toMatchObject({ server: 'studio', version: '0.1.0', jobs: null })
    expect(lost.lastSeen).toBeGreaterThan(0)
    expect(seen.at(-1)?.remote?.state).toBe('lost')
    const failed = await router
      .request('countTokens', { model: 'tiny-image', text: 'x', extraModelDirs: [] })
      .catch((e: Error) => e)
    expect((failed as Error).message).toMatch(/connection lost/)
  })

  it('a plain OpenAI Images server: watched through its model list; the token count is unavailable, not guessed', async () => {
    endpoint = { mode: 'remote', url: plain.url, token: PLAIN_TOKEN }
    router.endpointChanged()
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('ready')
    expect(remoteNow()).toMatchObject({ url: plain.url, server: 'openai', version: null, jobs: null })
    const failed = await router
      .request('countTokens', { model: PLAIN_MODEL, text: 'a red square', extraModelDirs: [] })
      .catch((e: Error) => e)
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toBe(
      `unavailable: ${plain.url} is a plain OpenAI Images API server: it does not count a prompt's tokens`
    )
    expect(await router.remote()!.calibratedPresets(PLAIN_MODEL)).toEqual([])
  })

  it('a refused token and a missing one say so', async () => {
    endpoint = { mode: 'remote', url: plain.url, token: 'not-the-token-0123456789' }
    router.endpointChanged()
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('refused')
    expect(remoteNow()?.error).toMatch(/refuses the saved token/)

    endpoint = { mode: 'remote', url: plain.url, token: null }
    router.endpointChanged()
    expect(remoteNow()).toMatchObject({ state: 'refused', error: expect.stringMatching(/no token is saved/) })
    const failed = await router.generate({ model: PLAIN_MODEL, prompt: 'x', seed: 1 }).catch((e: Error) => e)
    expect((failed as Error).message).toMatch(/no token is saved for the remote engine at/)
  })

  it('saving the same server again asks it at once, not at the next round', async () => {
    const endpointNow: RouterEndpoint = { mode: 'remote', url: plain.url, token: PLAIN_TOKEN }
    const slow = new EngineRouter(local, () => endpointNow, {
      monitor: { intervalMs: 60_000, timeoutMs: 2_000 }
    })
    try {
      await expect.poll(() => slow.status().remote?.state, { timeout: 10_000 }).toBe('ready')
      await sleep(200)
      const asked = plain.authorizations.length
      slow.endpointChanged()
      await expect.poll(() => plain.authorizations.length, { timeout: 5_000 }).toBeGreaterThan(asked)
    } finally {
      await slow.dispose()
    }
  })

  it('back to local: the remote part goes and the server is no longer asked; dispose stops it too', async () => {
    endpoint = { mode: 'remote', url: plain.url, token: PLAIN_TOKEN }
    router.endpointChanged()
    await expect.poll(() => remoteNow()?.state, { timeout: 10_000 }).toBe('ready')
    endpoint = { mode: 'local' }
    router.endpointChanged()
    expect(seen.at(-1)).toEqual({ ...LOCAL_STATUS, remote: null })
    await sleep(300) // a check under way when it switched may still land
    const asked = plain.authorizations.length
    await sleep(1_000)
    expect(plain.authorizations.length).toBe(asked)

    const other = new EngineRouter(local, () => ({ mode: 'remote', url: plain.url, token: PLAIN_TOKEN }), {
      monitor: FAST
    })
    await expect.poll(() => other.status().remote?.state, { timeout: 10_000 }).toBe('ready')
    await other.dispose()
    await sleep(300)
    const afterDispose = plain.authorizations.length
    await sleep(1_000)
    expect(plain.authorizations.length).toBe(afterDispose)
  })
})
