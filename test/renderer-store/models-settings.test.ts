import { describe, expect, it } from 'vitest'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'

describe('models slice', () => {
  it('prefers an embedded image model over added and video ones', async () => {
    const fake = new FakeStudio()
    fake.models = [
      fakeModel({ id: 'mine', embedded: false }),
      fakeModel({ id: 'clip', kind: 'video' }),
      fakeModel({ id: 'shapes' })
    ]
    const store = storeWith(fake)
    await store.getState().loadModels()
    expect(store.getState().form.modelId).toBe('shapes')
  })

  it('EXPECTED FAILURE - a refused folder keeps the reason and changes nothing', async () => {
    const fake = new FakeStudio()
    fake.addModelAnswer = {
      ok: false,
      error: { code: 'model_invalid', message: 'model.json: transformers: Required' }
    }
    const store = storeWith(fake)
    await store.getState().loadModels()
    expect(await store.getState().addModel()).toBeNull()
    expect(store.getState().addModelError).toBe('model.json: transformers: Required')
    expect(store.getState().models).toHaveLength(1)
  })

  it('a valid folder is listed and selected', async () => {
    const fake = new FakeStudio()
    fake.addModelAnswer = {
      ok: true,
      value: fakeModel({
        id: 'added',
        embedded: false,
        defaults: { steps: 30, guidanceScale: 5, separateCfg: false, negativePrompt: '' }
      })
    }
    const store = storeWith(fake)
    await store.getState().loadModels()
    await store.getState().addModel()
    expect(store.getState().models.map((m) => m.id)).toEqual(['tiny-image', 'added'])
    expect(store.getState().form).toMatchObject({ modelId: 'added', steps: 30 })
  })
})

describe('settings slice', () => {
  it('BAD CALL - refuses a negative thread count before calling main', async () => {
    const fake = new FakeStudio()
    const store = storeWith(fake)
    await store.getState().loadSettings()
    expect(await store.getState().saveSettings({ threads: -1 })).toBe(false)
    expect(store.getState().settingsError).toMatch(/^settings: invalid payload: threads: /)
    expect(fake.called('setSettings')).toHaveLength(0)
  })

  it("saves a valid patch and keeps main's answer; new generates use its provider", async () => {
    const fake = new FakeStudio()
    const store = storeWith(fake)
    await Promise.all([store.getState().loadSettings(), store.getState().loadModels()])
    expect(await store.getState().saveSettings({ provider: 'cpu', threads: 2 })).toBe(true)
    expect(store.getState().settings).toMatchObject({ provider: 'cpu', threads: 2 })
    expect(store.getState().availableProviders).toEqual(['cpu'])
    await store.getState().generate()
    expect(fake.called('generate')[0][0]).toMatchObject({ request: { provider: 'cpu' } })
  })
})

describe('settings patch schema', () => {
  it('a patch of one field leaves the others alone (no defaults filled in)', async () => {
    const { SettingsPatchSchema } = await import('../../src/shared/settings')
    expect(SettingsPatchSchema.parse({ threads: 2 })).toEqual({ threads: 2 })
    expect(SettingsPatchSchema.safeParse({ threads: 2, colour: 'red' }).success).toBe(false)
  })
})
