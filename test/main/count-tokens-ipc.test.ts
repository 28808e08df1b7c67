import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { PromptTokens } from '../../src/shared/generation'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { registerIpcHandlers } from '../../src/main/ipc/register'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { realEngineSpawner } from '../engine-host/real-engine'
import { ipcCall as call, APP_URL } from './electron-mock'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

/** countTokens: the generate view's token count, answered by the engine's tokenizer through main. */
let dir: string
let engine: EngineHost

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-tokens-'))
  trustRenderer(new URL(APP_URL))
  const gallery = new GalleryStore(join(dir, 'gallery'))
  await gallery.open()
  engine = new EngineHost(realEngineSpawner())
  registerIpcHandlers({
    engine,
    settings: new SettingsStore(dir),
    gallery: async () => gallery,
    window: () => undefined
  })
  engine.start()
})
afterAll(async () => {
  await engine.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe('countTokens', () => {
  it("counts a long prompt with the model's tokenizer and says what the limit drops", async () => {
    const text = 'a red circle at the center on a blue background '.repeat(300).trim() // 14 699 characters
    const r = await call<PromptTokens>('countTokens', { model: 'tiny-image', text })
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value).toMatchObject({ count: 3000, maxLength: 16, unknown: [] })
    expect(r.value.kept).toBe('a red circle at the center on a blue background a red circle at the center')
    expect(r.value.dropped.startsWith('on a blue background')).toBe(true)
  })

  it('refuses a bad payload and an unknown model with one clear line', async () => {
    const bad = await call('countTokens', { model: 'tiny-image', text: 'x'.repeat(100_001) })
    expect(!bad.ok && bad.error).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/text.*at most 100,000 characters/)
    })
    const unknown = await call('countTokens', { model: 'nope', text: 'a' })
    expect(!unknown.ok && unknown.error.code).toBe('model_not_found')
  })
})
