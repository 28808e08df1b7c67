import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  calibratedAsPreset,
  calibratedOfModel,
  withCalibrated,
  type CalibratedPreset
} from '../../src/shared/calibrated-presets'
import { resolveCacheConfig } from '../../src/shared/presets'
import {
  calibratedPresetsPath,
  readCalibratedPresets,
  saveCalibratedPreset
} from '../../src/main/engine/calibrated-store'
import { calibratedPreset } from '../calibrated-preset'

const tmp = mkdtempSync(join(tmpdir(), 'cs-calibrated-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function calibrated(over: Partial<CalibratedPreset> = {}): CalibratedPreset {
  return calibratedPreset({
    modelId: 'shapes-flux-tiny',
    label: 'F8B0 calibrated (PSNR ≥ 30 dB)',
    base: 'F8B0',
    steps: 28,
    ...over
  })
}

describe('calibrated presets', () => {
  it('run as the custom preset with the base preset fields and the calibrated threshold', () => {
    const p = calibratedAsPreset(
      calibrated({ base: 'F8B8-taylorseer', overrides: { residualDiffThreshold: 0.3 } })
    )
    expect(p.id).toBe('custom')
    const config = resolveCacheConfig(p.id, p.overrides)
    expect(config).toMatchObject({ Fn: 8, Bn: 8, residualDiffThreshold: 0.3 })
    expect(config.taylorSeer).toMatchObject({ enabled: true, order: 1 })
  })

  it('are listed only for their own model, newest first', () => {
    const list = calibratedOfModel('shapes-flux-tiny', [
      calibrated({ createdAt: '2026-01-01T00:00:00Z', targetPsnrDb: 35, label: 'old' }),
      calibrated({ modelId: 'other', label: 'other' }),
      calibrated({ createdAt: '2026-02-01T00:00:00Z', label: 'new' })
    ])
    expect(list.map((p) => p.label)).toEqual(['new', 'old'])
  })

  it('replace an earlier calibration of the same model, base and target', () => {
    const first = withCalibrated(null, calibrated())
    const second = withCalibrated(first, calibrated({ overrides: { residualDiffThreshold: 0.25 } }))
    const third = withCalibrated(second, calibrated({ targetPsnrDb: 35 }))
    expect(second.presets.map((p) => p.overrides.residualDiffThreshold)).toEqual([0.25])
    expect(third.presets).toHaveLength(2)
  })

  it('are saved next to a user model, and in the user-data folder for an embedded one', () => {
    expect(calibratedPresetsPath('/m/mine', false, '/ud')).toBe(join('/m/mine', 'calibrated-presets.json'))
    expect(calibratedPresetsPath('/app/resources/models/x', true, '/ud')).toBe(
      join('/ud', 'calibrated-presets.json')
    )
  })

  it('round-trip through the file, which keeps other models', async () => {
    const path = join(tmp, 'ud', 'calibrated-presets.json')
    expect(await readCalibratedPresets(path)).toBeNull()
    await saveCalibratedPreset(path, calibrated({ modelId: 'a' }))
    await saveCalibratedPreset(path, calibrated({ modelId: 'b' }))
    const file = await readCalibratedPresets(path)
    expect(file?.presets.map((p) => p.modelId)).toEqual(['a', 'b'])
  })

  it('EXPECTED FAILURE - an invalid file is an error naming the file and the field', async () => {
    const path = join(tmp, 'bad.json')
    writeFileSync(
      path,
      JSON.stringify({ format: 'cache-studio-calibrated-presets/1', presets: [{ modelId: 3 }] })
    )
    await expect(readCalibratedPresets(path)).rejects.toThrow(/bad\.json.*presets\.0\.modelId/)
    writeFileSync(path, '{ not json')
    await expect(readCalibratedPresets(path)).rejects.toThrow(/bad\.json: not JSON/)
  })
})
