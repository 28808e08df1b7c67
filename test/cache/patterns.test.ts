import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import { FORWARD_PATTERNS, type ForwardPattern } from '../../src/shared/manifest'
import { call, config, FakeRunner, v0 } from './fake-runner'

/**
 * F1B0 over two blocks, every forward pattern. Hidden: block 0 adds 1, block 1 adds 10(t+1).
 * Encoder (Pattern_0/1): block 0 adds 1, block 1 adds 5(t+1); Pattern_4/5 produce it as
 * hidden/2 + b + 1. Step 0 computes, step 1 is cached (the probe never changes):
 *   hidden   = 1 + 1 + 10                  = 12   (computed would be 22)
 *   encoder  P0/P1: 0 + 1 + 5              = 6    (computed would be 11)
 *            P2: passes through            = 0
 *            P3: none                      = null
 *            P4/P5: Fn's 2 + stored (8 − 2) = 8   (computed would be 13)
 */
const cachedEncoder: Record<ForwardPattern, number | null> = {
  Pattern_0: 6,
  Pattern_1: 6,
  Pattern_2: 0,
  Pattern_3: null,
  Pattern_4: 8,
  Pattern_5: 8
}

const runnerFor = (pattern: ForwardPattern): FakeRunner =>
  new FakeRunner(
    2,
    (b, t) => (b === 0 ? 1 : 10 * (t + 1)),
    pattern,
    (b, t) => (b === 1 ? 5 * (t + 1) : 1)
  )

describe('forward patterns', () => {
  it.each(FORWARD_PATTERNS)(
    '%s: a cached step returns Fn output + stored residuals in both streams',
    async (p) => {
      const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 0.5 }))
      const runner = runnerFor(p)
      await call(cache, runner, 0)
      const out = await call(cache, runner, 1)
      expect(cache.traces()[1].cached).toBe(true)
      expect(v0(out.hidden)).toBe(12)
      expect(out.encoder === null ? null : v0(out.encoder)).toBe(cachedEncoder[p])
      if (out.encoder !== null)
        expect(out.encoder.dims).toEqual(p === 'Pattern_4' || p === 'Pattern_5' ? [1, 2, 4] : [1, 3, 4])
    }
  )

  it.each(FORWARD_PATTERNS)('%s: threshold 0 gives exactly the uncached output', async (p) => {
    const cached = createStepCache(config({ Fn: 1, Bn: 1, maxWarmupSteps: 0, residualDiffThreshold: 0 }))
    const plain = createStepCache(config({ enabled: false }))
    const a = new FakeRunner(3, (b, t) => b + t * 0.3, p)
    const b = new FakeRunner(3, (b, t) => b + t * 0.3, p)
    for (let t = 0; t < 4; t++) {
      const x = await call(cached, a, t)
      const y = await call(plain, b, t)
      expect([...x.hidden.data]).toEqual([...y.hidden.data])
      expect(x.encoder === null ? null : [...x.encoder.data]).toEqual(
        y.encoder === null ? null : [...y.encoder.data]
      )
    }
  })

  it('Pattern_4: Bn blocks take the reconstructed hidden stream and produce the encoder from it', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 1, maxWarmupSteps: 1, residualDiffThreshold: 0.5 }))
    const runner = new FakeRunner(3, (b, t) => (b === 0 ? 1 : b === 1 ? 10 * (t + 1) : 100), 'Pattern_4')
    await call(cache, runner, 0)
    const out = await call(cache, runner, 1)
    // hidden 1 + 1 + 10 + 100 = 112; the back block (b = 2) makes encoder = 112/2 + 3.
    expect(v0(out.hidden)).toBe(112)
    expect(v0(out.encoder)).toBe(59)
  })
})
