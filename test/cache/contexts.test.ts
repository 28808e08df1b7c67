import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import { call, callSteps, config, FakeRunner, reasonsByStep, v0 } from './fake-runner'

/** Two blocks, F1B0: block 0 adds probe[t] (the probe), block 1 adds mid[t] (the cached part). */
const twoBlocks = (probe: number[], mid: number[]): FakeRunner =>
  new FakeRunner(2, (b, t) => (b === 0 ? probe[t] : mid[t]))

describe('separate CFG contexts', () => {
  it('keeps cond and uncond caches apart: own reference, own residual, own decision', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 0.1 }))
    const cond = twoBlocks([1, 1.01, 1.02], [10, 11, 12])
    const uncond = twoBlocks([2, 3, 3.01], [20, 21, 22])
    const out: Record<string, number[]> = { cond: [], uncond: [] }
    for (let t = 0; t < 3; t++) {
      out.cond.push(v0((await call(cache, cond, t, { branch: 'cond' })).hidden))
      out.uncond.push(v0((await call(cache, uncond, t, { branch: 'uncond' })).hidden))
    }
    // cond: cached at 1 and 2 with its own step-0 residual 10.
    expect(out.cond).toEqual([12, expect.closeTo(1 + 1.01 + 10, 5), expect.closeTo(1 + 1.02 + 10, 5)])
    // uncond: step 1 is 50% away → computed (residual 21); step 2 cached with 21, not cond's 10.
    expect(out.uncond).toEqual([23, 25, expect.closeTo(1 + 3.01 + 21, 5)])
    const s = cache.summary().contexts
    expect(s.map((c) => [c.branch, c.cachedSteps])).toEqual([
      ['cond', [1, 2]],
      ['uncond', [2]]
    ])
  })

  it('lets uncond reuse the distance cond measured at the same step when cfgDiffComputeSeparate is off', async () => {
    const cache = createStepCache(
      config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 0.1, cfgDiffComputeSeparate: false })
    )
    const cond = twoBlocks([1, 1.05], [10, 11])
    const uncond = twoBlocks([2, 9], [20, 21]) // its own distance would be 3.5
    for (let t = 0; t < 2; t++) {
      await call(cache, cond, t, { branch: 'cond' })
      await call(cache, uncond, t, { branch: 'uncond' })
    }
    const [, , c1, u1] = cache.traces()
    expect(c1.distance).toBeCloseTo(0.05, 6)
    expect(u1).toMatchObject({ branch: 'uncond', cached: true, distance: c1.distance })
  })

  it('shares the step index between branches, so warmup covers both calls of a step', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 1 }))
    await callSteps(cache, twoBlocks([1, 1, 1, 1], [1, 1, 1, 1]), 4, ['cond', 'uncond'])
    expect(reasonsByStep(cache)).toEqual([
      ['warmup', 'warmup'],
      ['warmup', 'warmup'],
      ['similar', 'similar'],
      ['similar', 'similar']
    ])
  })
})

describe('two transformers (Wan 2.2 style experts)', () => {
  it('gives each expert its own context, and warmup again at the switch', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 1 }))
    const high = twoBlocks(Array(8).fill(1), Array(8).fill(3))
    const low = twoBlocks(Array(8).fill(2), Array(8).fill(7))
    for (let t = 0; t < 8; t++) {
      const out = await call(cache, t < 4 ? high : low, t, {
        transformer: t < 4 ? 'transformer' : 'transformer_2'
      })
      // Never the other expert's residual: high adds 1 + 3, low adds 2 + 7.
      expect(v0(out.hidden)).toBe(t < 4 ? 5 : 10)
    }
    expect(cache.summary().contexts.map((c) => [c.transformer, c.cachedSteps, c.computedCount])).toEqual([
      ['transformer', [2, 3], 2],
      ['transformer_2', [6, 7], 2]
    ])
  })
})

describe('two block lists in one transformer', () => {
  it('decides per list: the second list can compute while the first caches', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 0.1 }))
    const double = new FakeRunner(2, (b, t) => (b === 0 ? 1 : t + 1), 'Pattern_1')
    const single = new FakeRunner(2, (b, t) => (b === 0 ? [1, 5][t] : 2), 'Pattern_3')
    for (let t = 0; t < 2; t++) {
      const first = await call(cache, double, t, { context: 'transformer_blocks' })
      await call(cache, single, t, {
        context: 'single_transformer_blocks',
        input: { hidden: first.hidden, encoder: null }
      })
    }
    expect(cache.traces().map((x) => [x.context, x.step, x.cached])).toEqual([
      ['transformer_blocks', 0, false],
      ['single_transformer_blocks', 0, false],
      ['transformer_blocks', 1, true],
      ['single_transformer_blocks', 1, false]
    ])
  })
})
