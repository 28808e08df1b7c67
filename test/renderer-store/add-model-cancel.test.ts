import { describe, expect, it } from 'vitest'
import type { ApiResult, StudioApi } from '../../src/shared/api'
import type { ModelInfo } from '../../src/shared/manifest'
import { IMPORT_CANCELLED } from '../../src/renderer/src/store/slices/models'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'

/**
 * Cancel for Add model in the store: the import's job id is the one cancelAddModel names, the
 * page says "Import cancelled" (not a refusal), and a second Add model runs as a new job.
 */
describe('cancelling Add model', () => {
  it('names the running job, then shows Import cancelled with no error; the next import works', async () => {
    const fake = new FakeStudio()
    const store = storeWith(fake)
    await store.getState().loadModels()
    const studio = (globalThis as unknown as { window: { studio: StudioApi } }).window.studio
    // Main's addModel answers `cancelled` once cancelAddModel names its job, as model-handlers.ts does.
    const running = new Map<string, (r: ApiResult<ModelInfo | null>) => void>()
    const cancels: string[] = []
    studio.addModel = ({ jobId }) => new Promise((answer) => running.set(jobId, answer))
    studio.cancelAddModel = async ({ jobId }) => {
      cancels.push(jobId)
      running.get(jobId)?.({ ok: false, error: { code: 'cancelled', message: 'import cancelled' } })
      return { ok: true, value: { cancelled: running.delete(jobId) } }
    }

    const first = store.getState().addModel()
    const job = store.getState().addingModel
    expect(job).toMatchObject({ lines: [], cancelling: false })
    expect([...running.keys()]).toEqual([job?.jobId])
    const cancelling = store.getState().cancelAddModel()
    expect(store.getState().addingModel?.cancelling).toBe(true)
    await cancelling
    expect(await first).toBeNull()
    expect(cancels).toEqual([job?.jobId])
    expect(store.getState()).toMatchObject({
      addingModel: null,
      addModelError: null,
      addModelNotice: IMPORT_CANCELLED
    })
    expect(IMPORT_CANCELLED).toBe('Import cancelled')
    expect(store.getState().models.map((m) => m.id)).toEqual(['tiny-image'])

    const added = fakeModel({ id: 'flux-tiny', embedded: false })
    const second = store.getState().addModel()
    const secondJob = store.getState().addingModel?.jobId
    expect(secondJob).not.toBe(job?.jobId)
    running.get(secondJob as string)?.({ ok: true, value: added })
    expect(await second).toEqual(added)
    expect(store.getState()).toMatchObject({ addingModel: null, addModelError: null, addModelNotice: null })
    expect(store.getState().form.modelId).toBe('flux-tiny')
  })

  it('with no import running, Cancel asks main nothing', async () => {
    const fake = new FakeStudio()
    const store = storeWith(fake)
    await store.getState().cancelAddModel()
    expect(fake.called('cancelAddModel')).toHaveLength(0)
  })
})
