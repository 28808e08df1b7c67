import { describe, expect, it, vi } from 'vitest'
import type { Settings } from '../../src/shared/settings'
import { callChannel } from '../../src/shared/api'
import { handleCall } from '../../src/main/ipc/handle'
import { rendererEntry, trustRenderer } from '../../src/main/security/trusted-url'
import { electronMock } from './electron-mock'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

/** The IPC sender check with the production entry, app://studio/index.html, trusted. */
describe('IPC sender check on the app:// origin', () => {
  trustRenderer(rendererEntry({ devBuild: false, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } }))
  const handler = vi.fn(() => ({}) as Settings)
  handleCall('getSettings', handler)
  const invoke = electronMock.handlers.get(callChannel('getSettings'))!

  it('answers the app page', async () => {
    expect(await invoke({ senderFrame: { url: 'app://studio/index.html#gallery' } })).toMatchObject({
      ok: true
    })
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('refuses a local file, another app:// host, the ignored dev server and a gone frame', async () => {
    const before = handler.mock.calls.length
    for (const url of [
      'file:///opt/studio/out/renderer/index.html',
      'app://evil/index.html',
      'http://localhost:5173/',
      null
    ]) {
      const result = (await invoke({ senderFrame: url === null ? null : { url } })) as {
        ok: boolean
        error?: { code: string; message: string }
      }
      expect(result.ok, String(url)).toBe(false)
      expect(result.error?.code).toBe('bad_request')
      expect(result.error?.message).toMatch(/^getSettings: refused a call from /)
    }
    expect(handler.mock.calls.length).toBe(before)
  })
})
