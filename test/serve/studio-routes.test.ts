import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/engine'
import type { ApiErrorBody } from '../../src/serve/api-error'
import { saveCalibratedPreset } from '../../src/main/engine/calibrated-store'
import type { PromptTokens } from '../../src/shared/generation'
import { PromptTokensSchema } from '../../src/shared/generation'
import { ServeCalibratedResponseSchema } from '../../src/shared/remote-engine'
import { calibratedPreset, userModelWithPresets } from '../remote/calibrated-fixture'
import { localEngine, startServe, type StudioProcess } from './studio-process'

/**
 * The studio's own routes of `studio serve` (a real process on loopback): the prompt's token
 * count is the local engine's countTokens for the same model, and the calibrated presets are the
 * ones `studio calibrate` saved on the server's machine, for a user model (its folder) and an
 * embedded one (the user-data folder); both need the token and refuse a bad body by field.
 */

let dir: string
let server: StudioProcess
let url: string
let token: string
let engine: Engine

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-routes-'))
  await userModelWithPresets(join(dir, 'models'), [calibratedPreset()])
  // The embedded models' presets are in the user-data folder; the spawned server reads it from here.
  const userData = join(dir, 'user-data')
  await mkdir(userData)
  await saveCalibratedPreset(
    join(userData, 'calibrated-presets.json'),
    calibratedPreset({ modelId: 'shapes-flux-tiny', label: 'F8B0 calibrated (PSNR ≥ 32 dB)', base: 'F8B0' })
  )
  process.env.CACHE_STUDIO_USER_DATA = userData
  ;[{ server, url, token }, engine] = await Promise.all([
    startServe(['--models-dir', join(dir, 'models')]),
    localEngine()
  ])
}, 120_000)

afterAll(async () => {
  delete process.env.CACHE_STUDIO_USER_DATA
  await Promise.all([server?.stop(), engine?.dispose()])
  await rm(dir, { recursive: true, force: true })
})

const post = (path: string, body: unknown, auth = `Bearer ${token}`) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })

describe('studio serve: /v1/cache-studio/ routes', () => {
  it("tokens: the served model's count is the local engine's countTokens, a long prompt's dropped part included", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `circle ${i} zqxv`).join(' and ')
    const served: PromptTokens[] = []
    for (const prompt of ['a red circle at the center on a blue background', long]) {
      const res = await post('/v1/cache-studio/tokens', { model: 'tiny-image', prompt })
      expect(res.status).toBe(200)
      served.push(PromptTokensSchema.parse(await res.json()))
      const local = await engine.countTokens({ model: 'tiny-image', text: prompt, extraModelDirs: [] })
      expect(served.at(-1)).toEqual(local)
    }
    expect(served[0].count).toBeLessThanOrEqual(served[0].maxLength)
    expect(served[1].count).toBeGreaterThan(served[1].maxLength)
    expect(served[1].dropped.length).toBeGreaterThan(0)
    expect(served[1].unknown.length).toBeGreaterThan(0)
  })

  it('calibrated-presets: a user model from its folder, an embedded one from the user-data folder, none for others', async () => {
    const of = async (model: string) =>
      ServeCalibratedResponseSchema.parse(
        await (await post('/v1/cache-studio/calibrated-presets', { model })).json()
      ).data
    expect((await of('tiny-mine')).map((p) => [p.modelId, p.label])).toEqual([
      ['tiny-mine', 'F1B0 calibrated (PSNR ≥ 30 dB)']
    ])
    expect((await of('shapes-flux-tiny')).map((p) => [p.modelId, p.base])).toEqual([
      ['shapes-flux-tiny', 'F8B0']
    ])
    expect(await of('tiny-image')).toEqual([])
  })

  it('need the token, refuse a bad body by field and an unknown model', async () => {
    const routes = [
      { path: '/v1/cache-studio/tokens', body: { model: 'tiny-image', prompt: 'x' } },
      { path: '/v1/cache-studio/calibrated-presets', body: { model: 'tiny-image' } }
    ]
    for (const { path, body } of routes) {
      const wrong = await post(path, body, 'Bearer wrong-token-0123456789')
      expect(wrong.status).toBe(401)
      const unknown = await post(path, { ...body, model: 'nope' })
      expect(unknown.status).toBe(404)
      expect(((await unknown.json()) as ApiErrorBody).error).toMatchObject({
        code: 'model_not_found',
        param: 'model'
      })
    }
    const bad = await post('/v1/cache-studio/tokens', { model: 'tiny-image', prompt: 7 })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as ApiErrorBody).error).toMatchObject({
      param: 'prompt',
      code: 'invalid_value'
    })
    const extra = await post('/v1/cache-studio/calibrated-presets', { model: 'tiny-image', path: '/etc' })
    expect(extra.status).toBe(400)
  })
})
