import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { GenerateReply } from '../../src/shared/api'
import type { ModelInfo } from '../../src/shared/manifest'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { appEngine } from '../../src/main/remote/app-engine'
import { EngineTokenStore } from '../../src/main/remote/engine-token'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { electronMock, ipcCall as call, APP_URL } from '../main/electron-mock'
import { PLAIN_MODEL, PLAIN_TOKEN, startPlainServer, type PlainServer } from './plain-server'
import { remoteOnlyLocal } from './remote-only-local'

vi.mock('electron', async () => (await import('../main/electron-mock')).electronModule())

/**
 * Settings → Engine through the real IPC handlers: the token is kept encrypted beside the
 * settings (never in settings.json, never answered), the router follows a change at once, a
 * plain OpenAI-compatible server's output is saved locally without trace, and a lost connection
 * is one error that leaves the gallery as it was.
 */
const LOCAL_MODEL = { id: 'local-model', name: 'Local' } as ModelInfo

/** The local engine, reduced to what these tests reach: its model list (generate must not run here). */
const local = remoteOnlyLocal({ models: () => [LOCAL_MODEL] })

let dir: string
let server: PlainServer
let settings: SettingsStore
let gallery: GalleryStore

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-remote-'))
  server = await startPlainServer()
  trustRenderer(new URL(APP_URL))
  settings = new SettingsStore(dir)
  await settings.load()
  gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  registerIpcHandlers({
    engine: appEngine(local, settings),
    settings,
    gallery: async () => gallery,
    window: () => undefined
  })
})
afterAll(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => void (electronMock.encryptionAvailable = true))

async function value<T>(name: string, ...args: unknown[]): Promise<T> {
  const r = await call<T>(name, ...args)
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`)
  return r.value
}
const modelIds = async () => (await value<ModelInfo[]>('listModels')).map((m) => m.id)

describe('Settings → Engine', () => {
  it('saves a remote engine: the URL in settings.json, the token encrypted beside it and never answered', async () => {
    const info = await value('setEngine', { mode: 'remote', url: server.url, token: PLAIN_TOKEN })
    expect(info).toEqual({
      engine: { mode: 'remote', url: server.url },
      tokenSaved: true,
      tokenStorage: 'encrypted'
    })
    expect(JSON.stringify(info)).not.toContain(PLAIN_TOKEN)
    const json = await readFile(join(dir, 'settings.json'), 'utf8')
    expect(JSON.parse(json).engine).toEqual({ mode: 'remote', url: server.url })
    // No file the app wrote holds the token in the clear.
    for (const name of await readdir(dir, { recursive: true })) {
      const bytes = await readFile(join(dir, name)).catch(() => Buffer.alloc(0))
      expect(bytes.includes(PLAIN_TOKEN), name).toBe(false)
    }
    // A later start (a fresh store on the same folder) decrypts the same token.
    expect(new EngineTokenStore(dir).get()).toBe(PLAIN_TOKEN)
    expect((await value<{ engine: unknown }>('getSettings')).engine).toEqual({
      mode: 'remote',
      url: server.url
    })
  })

  it('switches the engine without a restart: the model list follows each save', async () => {
    await value('setEngine', { mode: 'remote', url: server.url })
    expect(await modelIds()).toEqual([PLAIN_MODEL])
    const info = await value('setEngine', { mode: 'local' })
    expect(info).toMatchObject({ engine: { mode: 'local' }, tokenSaved: true })
    expect(await modelIds()).toEqual([LOCAL_MODEL.id])
    // Back to the server without typing the token again.
    await value('setEngine', { mode: 'remote', url: server.url })
    expect(await modelIds()).toEqual([PLAIN_MODEL])
  })

  it('test connection uses the saved token for the saved server only', async () => {
    expect(await value('testEngine', { url: server.url })).toMatchObject({ server: 'openai', version: null })
    const other = await startPlainServer()
    try {
      const refused = await call('testEngine', { url: other.url })
      expect(refused.ok).toBe(false)
      expect(other.authorizations).not.toContain(`Bearer ${PLAIN_TOKEN}`)
      expect(await value('testEngine', { url: other.url, token: PLAIN_TOKEN })).toMatchObject({
        models: [{ id: PLAIN_MODEL }]
      })
    } finally {
      await other.close()
    }
  })

  it('refuses a bad URL or a short token by field, and changes nothing', async () => {
    const bad = await call('setEngine', { mode: 'remote', url: `${server.url}/v1`, token: PLAIN_TOKEN })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/url/) }
    })
    const short = await call('setEngine', { mode: 'remote', url: server.url, token: 'short' })
    expect(short).toMatchObject({ ok: false, error: { message: expect.stringMatching(/token/) } })
    expect(settings.get().engine).toEqual({ mode: 'remote', url: server.url })
  })

  it('a plain server generates: the output is saved locally with its recipe and no trace', async () => {
    const reply = await value<GenerateReply>('generate', {
      jobId: 'plain-1',
      request: { model: PLAIN_MODEL, prompt: 'a red square', seed: 1, cache: { preset: 'none' } }
    })
    expect(reply.trace).toEqual([])
    const entry = await gallery.get(reply.entryId)
    expect(entry.recipe).toMatchObject({ model: PLAIN_MODEL, prompt: 'a red square' })
    expect([entry.width, entry.height]).toEqual([8, 6])
  })

  it('a lost connection is one clear error, and what was saved is still there', async () => {
    const before = (await gallery.list()).map((e) => e.id)
    expect(before.length).toBeGreaterThan(0)
    const gone = await startPlainServer()
    await gone.close()
    await value('setEngine', { mode: 'remote', url: gone.url, token: PLAIN_TOKEN })
    const failed = await call('generate', {
      jobId: 'lost-1',
      request: { model: PLAIN_MODEL, prompt: 'x', seed: 1 }
    })
    expect(failed).toMatchObject({
      ok: false,
      error: { code: 'engine_crashed', message: expect.stringContaining(`${gone.url}: connection lost`) }
    })
    expect((await gallery.list()).map((e) => e.id)).toEqual(before)
    await value('setEngine', { mode: 'remote', url: server.url, token: PLAIN_TOKEN })
  })

  it('without an OS secret store the token is kept for the session only, never written', async () => {
    electronMock.encryptionAvailable = false
    const sessionDir = await mkdtemp(join(tmpdir(), 'studio-token-'))
    try {
      const store = new EngineTokenStore(sessionDir)
      await store.set(PLAIN_TOKEN)
      expect(store.get()).toBe(PLAIN_TOKEN)
      expect(store.storage()).toBe('session')
      expect(await readdir(sessionDir)).toEqual([])
    } finally {
      await rm(sessionDir, { recursive: true, force: true })
    }
  })
})
