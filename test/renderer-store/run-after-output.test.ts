import { beforeEach, describe, expect, it } from 'vitest'
import { displayedRun } from '../../src/renderer/src/views/generate/displayed-run'
import { FakeStudio, storeWith } from './fake-studio'

/**
 * A run that ends without an output (cancelled, or failed: a remote engine's lost connection)
 * after an earlier output was shown: the generate view shows that run and its message, not the
 * earlier output, which stays in the gallery.
 */
describe('a run after an output', () => {
  let fake: FakeStudio
  let store: ReturnType<typeof storeWith>
  beforeEach(async () => {
    fake = new FakeStudio()
    store = storeWith(fake)
    await store.getState().loadModels()
    await store.getState().generate()
    expect(displayedRun(store.getState())?.entry).not.toBeNull()
  })

  it('a failure shows its error, not the previous output', async () => {
    const message = 'remote engine at http://127.0.0.1:1: connection lost (ECONNREFUSED)'
    fake.outcomes.push({ ok: false, code: 'engine_crashed', message })
    await store.getState().generate()
    const run = displayedRun(store.getState())
    expect(run?.entry).toBeNull()
    expect(run?.job).toMatchObject({ phase: 'failed', error: message })
    expect(store.getState().entries).toHaveLength(1)
  })

  it('a cancel shows the cancelled run, not the previous output', async () => {
    fake.outcomes.push({ ok: false, code: 'cancelled', message: 'generation cancelled' })
    await store.getState().generate()
    const run = displayedRun(store.getState())
    expect(run?.entry).toBeNull()
    expect(run?.job?.phase).toBe('cancelled')
  })
})
