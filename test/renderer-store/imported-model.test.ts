import { describe, expect, it } from 'vitest'
import type { StudioApi } from '../../src/shared/api'
import { buildRequest, whyCannotGenerate } from '../../src/renderer/src/store/slices/generation'
import { sizeChoices } from '../../src/renderer/src/store/slices/models'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'

/** An imported model (FLUX) in the store: sizes per request, and Add model's import progress. */
const flux = fakeModel({
  id: 'flux-tiny',
  embedded: false,
  family: 'flux',
  precision: 'fp32',
  output: { width: 32, height: 32, frames: 1 },
  sizes: { multipleOf: 4, max: 64 },
  defaults: { steps: 4, guidanceScale: 0, separateCfg: false, negativePrompt: '' }
})

describe('an imported model in the generate form', () => {
  it('offers every multiple of sizes.multipleOf up to sizes.max', () => {
    expect(sizeChoices(flux)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64])
    expect(sizeChoices(fakeModel())).toEqual([])
  })

  it('starts at the model default size and sends width/height; our own packages send none', async () => {
    const fake = new FakeStudio()
    fake.models = [fakeModel(), flux]
    const store = storeWith(fake)
    await store.getState().loadModels()
    expect(buildRequest(store.getState())).not.toHaveProperty('width')
    store.getState().selectModel('flux-tiny')
    expect(store.getState().form).toMatchObject({ width: 32, height: 32 })
    store.getState().setForm({ width: 48 })
    expect(buildRequest(store.getState())).toMatchObject({ model: 'flux-tiny', width: 48, height: 32 })
    store.getState().selectModel('tiny-image')
    expect(store.getState().form).toMatchObject({ width: null, height: null })
    expect(buildRequest(store.getState())).not.toHaveProperty('width')
  })

  it('a size the model does not take keeps Generate off, saying why', async () => {
    const fake = new FakeStudio()
    fake.models = [flux]
    const store = storeWith(fake)
    await store.getState().loadModels()
    store.getState().setForm({ width: 30 })
    expect(whyCannotGenerate(store.getState())).toBe('Width must be a multiple of 4 up to 64')
    store.getState().setForm({ width: 32, height: 128 })
    expect(whyCannotGenerate(store.getState())).toBe('Height must be a multiple of 4 up to 64')
  })
})

describe('Add model importing a folder', () => {
  it('keeps the progress lines while it runs and the last one as the notice after', async () => {
    const fake = new FakeStudio()
    const store = storeWith(fake)
    await store.getState().loadModels()
    let release: () => void = () => undefined
    const answered = new Promise<void>((r) => (release = r))
    fake.addModelAnswer = { ok: true, value: flux }
    // The answer waits until the progress lines have come, as main's does while the engine imports.
    const studio = (globalThis as unknown as { window: { studio: StudioApi } }).window.studio
    const original = studio.addModel
    studio.addModel = async (job) => {
      await answered
      return original(job)
    }
    const adding = store.getState().addModel()
    const folder = '/data/flux'
    store
      .getState()
      .applyAddModelProgress({ folder, line: 'recognised FluxPipeline in /data/flux', elapsedMs: 5 })
    store
      .getState()
      .applyAddModelProgress({ folder, line: 'already imported as flux-tiny (/m/flux-tiny)', elapsedMs: 9 })
    expect(store.getState().addingModel?.lines.map((l) => l.line)).toHaveLength(2)
    release()
    await adding
    expect(store.getState().addingModel).toBeNull()
    expect(store.getState().addModelNotice).toBe('already imported as flux-tiny (/m/flux-tiny)')
    expect(store.getState().form.modelId).toBe('flux-tiny')
  })

  it('progress that arrives when no import runs is dropped', async () => {
    const store = storeWith(new FakeStudio())
    store.getState().applyAddModelProgress({ folder: '/x', line: 'late', elapsedMs: 1 })
    expect(store.getState().addingModel).toBeNull()
  })
})
