import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decode } from 'fast-png'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { EngineFailure } from '../../src/main/engine/errors'
import { EngineRouter } from '../../src/main/remote/engine-router'
import { EngineEndpointSchema, LOCAL_ENGINE, type EngineEndpoint } from '../../src/shared/engine-endpoint'
import type { GenerateRequestInput, ProgressEvent } from '../../src/shared/generation'
import { realEngineSpawner } from '../engine-host/real-engine'
import { startServe, type StudioProcess } from './studio-process'

/**
 * Settings → Engine's router between the app's own engine (a real EngineHost with its engine
 * process) and a `studio serve` on loopback: the endpoint decides per call where the model list
 * and generate go; compare stays local; switching back needs no restart.
 */

let server: StudioProcess
let url: string
let token: string
let host: EngineHost
let endpoint: EngineEndpoint = LOCAL_ENGINE
let router: EngineRouter

beforeAll(async () => {
  ;({ server, url, token } = await startServe())
  host = new EngineHost(realEngineSpawner())
  router = new EngineRouter(host, () => endpoint)
  router.start()
}, 120_000)

afterAll(async () => {
  await Promise.all([server?.stop(), router?.dispose()])
})

const request: GenerateRequestInput = {
  model: 'tiny-image',
  prompt: 'a green circle at the top on a black background',
  seed: 9,
  steps: 10,
  cache: { preset: 'F8B0', overrides: { Fn: 1, maxWarmupSteps: 2 } },
  provider: 'cpu'
}

describe('EngineRouter (Settings → Engine: local or remote)', () => {
  it('validates the endpoint setting: http(s) root URL and a real token', () => {
    expect(
      EngineEndpointSchema.safeParse({ mode: 'remote', url: 'ftp://x:1', token: 'a'.repeat(16) }).success
    ).toBe(false)
    expect(
      EngineEndpointSchema.safeParse({ mode: 'remote', url: 'http://x:1/v1', token: 'a'.repeat(16) }).success
    ).toBe(false)
    expect(
      EngineEndpointSchema.safeParse({ mode: 'remote', url: 'http://x:1', token: 'short' }).success
    ).toBe(false)
    expect(EngineEndpointSchema.safeParse({ mode: 'remote', url, token }).success).toBe(true)
  })

  it('generates locally, then on the remote engine with live progress, the same image; compare stays local', async () => {
    endpoint = LOCAL_ENGINE
    const localModels = await router.request('listModels', { extraModelDirs: [] })
    expect(localModels.some((m) => m.path.startsWith('http'))).toBe(false)
    const local = await router.generate(request)

    endpoint = EngineEndpointSchema.parse({ mode: 'remote', url, token })
    const remoteModels = await router.request('listModels', { extraModelDirs: [] })
    expect(remoteModels.find((m) => m.id === 'tiny-image')?.path).toBe(`${url}#tiny-image`)
    const progress: ProgressEvent[] = []
    const remote = await router.generate(request, { onProgress: (e) => progress.push(e) })
    expect(progress).toHaveLength(10)
    expect(progress.some((e) => e.traces.some((t) => t.distance !== null))).toBe(true)
    expect(Buffer.compare(remote.files[0].bytes, local.files[0].bytes)).toBe(0)

    // The compare view's numbers come from the local engine, remote results or not.
    const same = await router.request('compare', {
      width: remote.width,
      height: remote.height,
      frames: 1,
      a: Uint8Array.from(decode(remote.files[0].bytes).data),
      b: Uint8Array.from(decode(local.files[0].bytes).data)
    })
    expect(same.ssim).toBe(1)

    endpoint = LOCAL_ENGINE
    expect((await router.generate({ ...request, steps: 2 })).recipe.steps).toBe(2)
  })

  it('a remote engine that is gone fails the generate clearly, and the local engine still works', async () => {
    endpoint = EngineEndpointSchema.parse({ mode: 'remote', url: 'http://127.0.0.1:9', token })
    const error = await router.generate(request).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EngineFailure)
    expect((error as EngineFailure).message).toMatch(
      /remote engine at http:\/\/127\.0\.0\.1:9: connection lost/
    )
    endpoint = LOCAL_ENGINE
    expect((await router.generate({ ...request, steps: 2 })).recipe.model).toBe('tiny-image')
  })
})
