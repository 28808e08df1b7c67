import { beforeEach, describe, expect, it } from 'vitest'
import type { GenerateCall } from '../../src/shared/api'
import { compareSpeedup, sameRecipeUncached } from '../../src/renderer/src/store/slices/compare'
import { selectedRun } from '../../src/renderer/src/store/slices/gallery'
import { FakeStudio, fakeEntry, recipeOf, storeWith } from './fake-studio'

const base = {
  model: 'tiny-image',
  prompt: 'a red circle at the top on a blue background',
  negativePrompt: '',
  seed: 5,
  steps: 12,
  guidanceScale: 3
}

describe('gallery slice', () => {
  let fake: FakeStudio
  let store: ReturnType<typeof storeWith>
  beforeEach(async () => {
    fake = new FakeStudio()
    fake.gallery = [
      fakeEntry('b', recipeOf({ ...base, cache: { preset: 'F8B0' } }), 50, '2026-01-02T00:00:00Z'),
      fakeEntry('a', recipeOf({ ...base, cache: { preset: 'none' } }), 100, '2026-01-01T00:00:00Z')
    ]
    store = storeWith(fake)
    await store.getState().loadGallery()
  })

  it('fetches a selected entry once and keeps it', async () => {
    await store.getState().selectEntry('b')
    await store.getState().selectEntry('b')
    expect(selectedRun(store.getState())?.id).toBe('b')
    expect(fake.called('getGalleryEntry')).toEqual([['b']])
  })

  it('delete removes the entry and undo puts it back in date order', async () => {
    await store.getState().selectEntry('b')
    await store.getState().deleteEntry('b')
    expect(store.getState().entries.map((e) => e.id)).toEqual(['a'])
    expect(store.getState().selectedEntryId).toBeNull()
    expect(store.getState().lastDeleted?.id).toBe('b')
    await store.getState().undoDelete()
    expect(store.getState().entries.map((e) => e.id)).toEqual(['b', 'a'])
    expect(store.getState().lastDeleted).toBeNull()
    expect(fake.called('restoreGalleryEntry')).toEqual([['b']])
  })

  it('EXPECTED FAILURE - an unknown entry leaves the error text for the view', async () => {
    await store.getState().selectEntry('zzz')
    expect(store.getState().galleryError).toBe('no entry zzz')
  })
})

describe('compare slice', () => {
  let fake: FakeStudio
  let store: ReturnType<typeof storeWith>
  beforeEach(() => {
    fake = new FakeStudio()
    store = storeWith(fake)
  })

  it('reuses a stored uncached run of the same recipe instead of generating', async () => {
    fake.gallery = [
      fakeEntry('cached', recipeOf({ ...base, cache: { preset: 'F8B0' } }), 50),
      fakeEntry('plain', recipeOf({ ...base, cache: { preset: 'none' } }), 100)
    ]
    await store.getState().loadGallery()
    await store.getState().compareWithUncached('cached')
    const { compare } = store.getState()
    expect(compare).toMatchObject({
      phase: 'ready',
      cachedId: 'cached',
      uncachedId: 'plain',
      reusedUncached: true
    })
    expect(compare.result?.psnr).toBe(31.5)
    expect(fake.called('generate')).toHaveLength(0)
    expect(fake.called('compare')).toEqual([[{ a: 'cached', b: 'plain' }]])
    expect(compareSpeedup(store.getState())?.total).toBe(2)
  })

  it('generates the uncached twin when none is stored (different seed does not count)', async () => {
    fake.gallery = [
      fakeEntry('cached', recipeOf({ ...base, cache: { preset: 'F8B0' } }), 50),
      fakeEntry('other-seed', recipeOf({ ...base, seed: 6, cache: { preset: 'none' } }), 100)
    ]
    await store.getState().loadGallery()
    await store.getState().compareWithUncached('cached')
    const [call] = fake.called('generate')[0] as [GenerateCall]
    expect(call.request).toMatchObject({ seed: 5, cache: { preset: 'none' }, steps: 12, separateCfg: true })
    expect(store.getState().compare.reusedUncached).toBe(false)
    expect(store.getState().compare.phase).toBe('ready')
  })

  it('EXPECTED FAILURE - comparing an uncached run says to pick a cached one', async () => {
    fake.gallery = [fakeEntry('plain', recipeOf({ ...base, cache: { preset: 'none' } }), 100)]
    await store.getState().loadGallery()
    await store.getState().compareWithUncached('plain')
    expect(store.getState().compare.phase).toBe('failed')
    expect(store.getState().compare.error).toMatch(/uncached already/)
  })

  it('a recipe differing only in provider is not a twin (times would not compare)', () => {
    const a = recipeOf({ ...base, cache: { preset: 'none' } })
    expect(sameRecipeUncached(a, { ...a, cache: { ...a.cache, enabled: true } })).toBe(true)
    expect(sameRecipeUncached(a, { ...a, provider: 'cuda' })).toBe(false)
  })
})

describe('compare progress', () => {
  it("follows its own uncached job's progress and ignores others", async () => {
    const fake = new FakeStudio()
    fake.gallery = [fakeEntry('cached', recipeOf({ ...base, cache: { preset: 'F8B0' } }), 50)]
    let release!: () => void
    fake.hold = new Promise((r) => (release = r))
    const store = storeWith(fake)
    const running = store.getState().compareWithUncached('cached')
    await expect.poll(() => store.getState().compare.phase).toBe('generating-uncached')
    const jobId = store.getState().compare.jobId!
    const event = { step: 3, totalSteps: 12, elapsedMs: 400, etaMs: 800, traces: [] }
    store.getState().applyCompareProgress('job-other', { ...event, step: 9 })
    store.getState().applyCompareProgress(jobId, event)
    expect(store.getState().compare).toMatchObject({ step: 4, totalSteps: 12, elapsedMs: 400, etaMs: 800 })
    release()
    await running
    expect(store.getState().compare.phase).toBe('ready')
  })
})
