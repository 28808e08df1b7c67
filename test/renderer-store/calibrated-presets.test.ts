import { describe, expect, it } from 'vitest'
import { resolveCacheConfig } from '../../src/shared/presets'
import { cacheChoice, calibratedForModel, chosenPresetLabel } from '../../src/renderer/src/store/slices/cache'
import { buildRequest } from '../../src/renderer/src/store/slices/generation'
import { FakeStudio, fakeModel, storeWith } from './fake-studio'
import { calibratedPreset } from '../calibrated-preset'

const calibrated = calibratedPreset

function setup() {
  const fake = new FakeStudio()
  fake.models = [
    fakeModel(),
    fakeModel({ id: 'tiny-video', name: 'Tiny video', kind: 'video', embedded: true })
  ]
  fake.calibrated = { 'tiny-image': [calibrated()] }
  return { fake, store: storeWith(fake) }
}

describe('calibrated presets in the preset picker', () => {
  it('are asked for the selected model and offered with the target they were calibrated for', async () => {
    const { fake, store } = setup()
    store.getState().selectModel('tiny-image')
    await expect.poll(() => calibratedForModel(store.getState()).length).toBe(1)
    expect(fake.called('listCalibratedPresets')).toEqual([['tiny-image']])
    expect(calibratedForModel(store.getState())[0]).toMatchObject({ targetPsnrDb: 30, base: 'F1B0' })
  })

  it("run as custom with the base preset's fields and the calibrated threshold", async () => {
    const { store } = setup()
    await store.getState().loadModels() // selects the image model: the calibrated list follows
    await expect.poll(() => calibratedForModel(store.getState()).length).toBe(1)
    store.getState().pickCalibrated(calibratedForModel(store.getState())[0])
    const choice = cacheChoice(store.getState())
    expect(choice?.preset).toBe('custom')
    expect(resolveCacheConfig('custom', choice?.overrides)).toMatchObject({
      Fn: 1,
      Bn: 0,
      residualDiffThreshold: 0.21
    })
    expect(buildRequest(store.getState())?.cache).toEqual(choice)
    expect(chosenPresetLabel(store.getState())).toBe('F1B0 calibrated (PSNR ≥ 30 dB)')

    // Another model: its calibration does not hold; the picker goes back to the base preset.
    store.getState().selectModel('tiny-video')
    await expect.poll(() => store.getState().calibrated?.modelId).toBe('tiny-video')
    expect(store.getState().pickedCalibrated).toBeNull()
    expect(store.getState().preset).toBe('F1B0')
    expect(calibratedForModel(store.getState())).toEqual([])
  })

  it('a preset picked by hand or an edited field leaves the calibrated one', async () => {
    const { store } = setup()
    store.getState().selectModel('tiny-image')
    await expect.poll(() => calibratedForModel(store.getState()).length).toBe(1)
    const [c] = calibratedForModel(store.getState())
    store.getState().pickCalibrated(c)
    store.getState().setPreset('F8B0')
    expect(store.getState().pickedCalibrated).toBeNull()
    store.getState().pickCalibrated(c)
    store.getState().setCustomField('residualDiffThreshold', '0.3')
    expect(store.getState().pickedCalibrated).toBeNull()
    expect(cacheChoice(store.getState())?.overrides.residualDiffThreshold).toBe(0.3)
  })

  it('a file main refuses is reported in one line and offers nothing', async () => {
    const { fake, store } = setup()
    fake.calibrated['tiny-image'] = '/models/tiny-image/calibrated-presets.json: not JSON'
    store.getState().selectModel('tiny-image')
    await expect.poll(() => store.getState().calibratedError).toMatch(/calibrated-presets\.json: not JSON/)
    expect(calibratedForModel(store.getState())).toEqual([])
    // A store selector must answer the same reference while nothing changed (React re-renders on a new one).
    expect(calibratedForModel(store.getState())).toBe(calibratedForModel(store.getState()))
  })
})
