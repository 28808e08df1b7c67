import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STUDIO_CALLS, callChannel, type ApiResult } from '../../src/shared/api'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import type { EngineSpawner } from '../../src/main/engine-host/spawner'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { electronMock, ipcCall as call, APP_URL } from './electron-mock'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

/** An engine host whose process never starts: these tests must be answered before the engine is asked. */
const neverSpawns: EngineSpawner = {
  spawn: () => {
    throw new Error('the engine must not be reached by a malformed call')
  }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-ipc-'))
  trustRenderer(new URL(APP_URL))
  const gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  registerIpcHandlers({
    engine: new EngineHost(neverSpawns),
    settings: new SettingsStore(dir),
    gallery: async () => gallery,
    window: () => undefined
  })
})
afterAll(() => rm(dir, { recursive: true, force: true }))

function errorOf(result: ApiResult<unknown>): { code: string; message: string } {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`)
  return result.error
}

describe('IPC handlers', () => {
  it('registers a handler for every call of the contract', () => {
    expect([...electronMock.handlers.keys()].sort()).toEqual(STUDIO_CALLS.map(callChannel).sort())
  })

  it('BAD CALL - generate with a seed that is a string names request.seed', async () => {
    const e = errorOf(
      await call('generate', { jobId: 'j1', request: { model: 'tiny-image', prompt: 'x', seed: 'seven' } })
    )
    expect(e.code).toBe('bad_request')
    expect(e.message).toMatch(/^generate: invalid payload: request\.seed: /)
  })

  it('BAD CALL - generate without a jobId names jobId', async () => {
    const e = errorOf(await call('generate', { request: { model: 'm', prompt: 'x', seed: 1 } }))
    expect(e.message).toMatch(/jobId: /)
  })

  it('BAD CALL - an unknown field is refused by name, not ignored', async () => {
    const e = errorOf(await call('setSettings', { threads: 2, colour: 'red' }))
    expect(e.code).toBe('bad_request')
    expect(e.message).toMatch(/colour/)
  })

  it('BAD CALL - settings with threads out of range names threads', async () => {
    const e = errorOf(await call('setSettings', { threads: -1 }))
    expect(e.message).toMatch(/^setSettings: invalid payload: threads: /)
  })

  it('BAD CALL - a gallery id that climbs out of the folder is refused', async () => {
    const e = errorOf(await call('getGalleryEntry', { id: '../../etc/passwd' }))
    expect(e.code).toBe('bad_request')
    expect(e.message).toMatch(/^getGalleryEntry: invalid payload: id: not a gallery entry id/)
  })

  it('BAD CALL - a payload that is not an object, or extra arguments, are errors, not crashes', async () => {
    expect(errorOf(await call('cancelGenerate', 42)).message).toMatch(
      /^cancelGenerate: invalid payload: \(payload\): /
    )
    expect(errorOf(await call('getSettings', 'extra')).message).toBe(
      'getSettings: expected 0 argument(s), got 1'
    )
  })

  it('EXPECTED FAILURE - a call from another page is refused', async () => {
    const handler = electronMock.handlers.get('studio:call:getSettings')!
    const result = (await handler({ senderFrame: { url: 'https://evil.example/' } })) as ApiResult<unknown>
    expect(errorOf(result).message).toBe('getSettings: refused a call from https://evil.example/')
  })

  it('answers a valid call with its value', async () => {
    const result = await call('setSettings', { provider: 'cpu' })
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ provider: 'cpu', threads: 0 }) })
    expect(await call('listGallery')).toEqual({ ok: true, value: [] })
  })

  it('EXPECTED FAILURE - an unknown gallery entry is not_found', async () => {
    expect(errorOf(await call('deleteGalleryEntry', { id: 'nope' }))).toEqual({
      code: 'not_found',
      message: 'gallery: no entry nope'
    })
  })
})
