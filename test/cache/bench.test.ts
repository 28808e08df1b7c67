import { describe, expect, it } from 'vitest'
import { formatCacheBench } from '../../src/cli/commands/bench'
import { benchCache, psnr } from '../../src/main/engine/bench/cache-bench'
import { fixture } from '../engine/fixtures'

describe('cache bench', () => {
  it('counts the blocks the cache skips and predicts the saving from them', async () => {
    const r = await benchCache({
      dir: fixture('tiny-p0'),
      cache: { preset: 'F1B0', overrides: { maxWarmupSteps: 2, residualDiffThreshold: 5 } },
      steps: 6,
      repeats: 1,
      provider: 'cpu'
    })
    // 6 steps × 2 CFG branches × 4 blocks; steps 2–5 cached in both branches run F1 only.
    expect(r.none).toMatchObject({ blocksRun: 48, blocksTotal: 48 })
    expect(r.cached).toMatchObject({ blocksRun: 48 - 8 * 3, blocksTotal: 48 })
    expect(r.cachedSteps).toBe(8)
    expect(r.config).toBe('DBCache_F1B0_W2I1M0MC0_R5_T0O0')
    expect(r.predictedSavedMs).toBeCloseTo(r.none.blockMs * 0.5, 9)
    expect(r.psnr).toBeGreaterThan(0)
    expect(Number.isFinite(r.psnr)).toBe(true)
    const lines = formatCacheBench(r)
    expect(lines[0]).toBe('tiny-p0 on cpu: 6 steps, median of 1 runs per variant')
    expect(lines[3]).toMatch(/^ {2}DBCache_F1B0_W2I1M0MC0_R5_T0O0 +24\/48 /)
  })

  it('psnr is Infinity for identical images and ignores alpha', () => {
    const a = new Uint8Array([10, 20, 30, 255, 40, 50, 60, 255])
    expect(psnr(a, Uint8Array.from(a))).toBe(Infinity)
    const b = Uint8Array.from(a)
    b[3] = 0
    expect(psnr(a, b)).toBe(Infinity)
    b[0] = 11 // one RGB value off by 1 of 6: MSE 1/6
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(255 * 255 * 6), 9)
  })
})
