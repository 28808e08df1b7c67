import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/index'
import type { CliIO } from '../../src/cli/io'
import { calibrate } from '../../src/bench/calibrate'
import { readCalibratedPresets } from '../../src/main/engine/calibrated-store'

const FIXTURE = resolve(__dirname, '../fixtures/models/tiny-image')
const tmp = mkdtempSync(join(tmpdir(), 'cs-calibrate-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const base = {
  dir: FIXTURE,
  base: 'F1B0' as const,
  criterion: 'pooled' as const,
  prompts: ['a red circle at the center on a blue background'],
  seeds: [100],
  steps: 10,
  provider: 'cpu' as const,
  threads: 1,
  rounds: 3
}

describe('calibrate', () => {
  it('answers the largest threshold it measured meeting the target, and a larger one misses or saturates', async () => {
    const r = await calibrate({ ...base, targetPsnr: 45 })
    const passing = r.probes.filter((p) => p.passes)
    expect(r.best?.threshold).toBe(Math.max(...passing.map((p) => p.threshold)))
    for (const p of r.probes) expect(p.passes).toBe(p.psnrPooled >= 45)
    const above = r.probes.filter((p) => p.threshold > (r.best?.threshold ?? 0))
    expect(above.every((p) => !p.passes)).toBe(true)
    if (above.length === 0) expect(r.best?.threshold).toBe(1)
  })

  it('EXPECTED FAILURE - no threshold meets a target above the PSNR cap', async () => {
    const r = await calibrate({ ...base, targetPsnr: 99.5, rounds: 1 })
    expect(r.best).toBeNull()
  })

  it('studio calibrate prints the threshold and saves it as a preset of the model', async () => {
    const out: string[] = []
    const err: string[] = []
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), status: null }
    const save = join(tmp, 'presets.json')
    const code = await main(
      [
        'calibrate',
        '--model',
        FIXTURE,
        '--base',
        'F1B0',
        '--target-psnr',
        '45',
        '--steps',
        '10',
        '--prompts',
        '1',
        '--seeds',
        '1',
        '--rounds',
        '2',
        '--threads',
        '1',
        '--save',
        save
      ],
      io
    )
    expect(err).toEqual([])
    expect(code).toBe(0)
    const file = await readCalibratedPresets(save)
    const preset = file?.presets[0]
    expect(preset?.modelId).toBe('tiny-image')
    expect(preset?.base).toBe('F1B0')
    expect(preset?.measured.psnrPooled).toBeGreaterThanOrEqual(45)
    const t = preset?.overrides.residualDiffThreshold
    expect(out.at(-2)).toContain(`tiny-image: F1B0 threshold ${t} (default 0.12) keeps pooled PSNR`)
    expect(out.at(-1)).toBe(`saved as preset "F1B0 calibrated (PSNR ≥ 45 dB)" in ${save}`)
  })

  it('BAD CALL - a missing target or a base that caches nothing is a usage error', async () => {
    const err: string[] = []
    const io: CliIO = { out: () => {}, err: (l) => err.push(l), status: null }
    expect(await main(['calibrate', '--model', FIXTURE], io)).toBe(2)
    expect(await main(['calibrate', '--model', FIXTURE, '--target-psnr', '30', '--base', 'none'], io)).toBe(2)
    expect(err).toEqual([
      'studio calibrate: --target-psnr DB is required (e.g. 30)',
      'studio calibrate: --base: expected a cached preset (F8B0, F8B8-taylorseer, F1B0), got "none"'
    ])
  })
})
