import { describe, expect, it } from 'vitest'
import { create } from 'zustand'
import type { ApiResult, StudioApi } from '../../src/shared/api'
import { createStudioSlices, type StudioSlices } from '../../src/renderer/src/store/slices'

/** A store whose window.studio answers listNotices with `lines` (and fails a gallery entry as corrupt). */
function storeAnswering(lines: string[]) {
  const ok = <T>(value: T): Promise<ApiResult<T>> => Promise.resolve({ ok: true, value })
  const studio = {
    listNotices: () => ok(lines),
    getGalleryEntry: () =>
      Promise.resolve({ ok: false, error: { code: 'corrupt', message: lines[0] ?? 'corrupt' } })
  } as unknown as StudioApi
  ;(globalThis as unknown as { window: { studio: StudioApi } }).window = { studio }
  return create<StudioSlices>()((...a) => createStudioSlices(...a))
}

describe('notices of files main set aside', () => {
  it('shows what main lists, and a dismissed line stays dismissed on the next load', async () => {
    const store = storeAnswering([
      'settings.json: not valid JSON (kept as settings.json.invalid-1; using defaults)'
    ])
    await store.getState().loadNotices()
    expect(store.getState().notices).toEqual([
      'settings.json: not valid JSON (kept as settings.json.invalid-1; using defaults)'
    ])
    store.getState().dismissNotice(store.getState().notices[0]!)
    await store.getState().loadNotices()
    expect(store.getState().notices).toEqual([])
  })

  it('a gallery entry that fails as corrupt shows its error and brings the notice in', async () => {
    const line =
      'gallery: entry 20260101-000000-abcdef is corrupt: image.png is a symbolic link (kept aside as x)'
    const store = storeAnswering([line])
    await store.getState().selectEntry('20260101-000000-abcdef')
    expect(store.getState().galleryError).toBe(line)
    await new Promise((r) => setTimeout(r, 0))
    expect(store.getState().notices).toEqual([line])
  })
})
