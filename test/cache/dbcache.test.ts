import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import { NonFiniteError } from '../../src/main/engine/cache/non-finite'
import { EngineFailure } from '../../src/main/engine/errors'
import { call, config, FakeRunner, v0 } from './fake-runner'

/**
 * Three-block list, hidden input 1 everywhere: block 0 adds probe[t], block 1 (middle) adds
 * mid[t], block 2 adds 100. With F1B1 a computed step returns 1 + probe[t] + mid[t] + 100 and a
 * cached one 1 + probe[t] + mid[last computed] + 100.
 */
function threeBlocks(probe: number[], mid: number[]): FakeRunner {
  return new FakeRunner(3, (b, t) => (b === 0 ? probe[t] : b === 1 ? mid[t] : 100))
}

describe('DBCache: Fn / middle / Bn', () => {
  it('skips only the middle blocks and adds the residual of the last computed step', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 1, maxWarmupSteps: 1, residualDiffThreshold: 0.1 }))
    const runner = threeBlocks([1, 1.05, 1.08, 2], [10, 20, 30, 40])

    expect(v0((await call(cache, runner, 0)).hidden)).toBe(1 + 1 + 10 + 100) // warmup
    expect(runner.ranges).toEqual([
      [0, 1],
      [1, 2],
      [2, 3]
    ])
    runner.ranges.length = 0

    // step 1: |1.05 − 1| / 1 = 0.05 < 0.1 → cached: Fn and Bn run, mid residual of step 0 reused.
    expect(v0((await call(cache, runner, 1)).hidden)).toBeCloseTo(1 + 1.05 + 10 + 100, 5)
    expect(runner.ranges).toEqual([
      [0, 1],
      [2, 3]
    ])

    // step 2: compared with step 0's probe (the reference is not updated on cached steps): 0.08.
    expect(v0((await call(cache, runner, 2)).hidden)).toBeCloseTo(1 + 1.08 + 10 + 100, 5)
    // step 3: 1.0 away → computed, fresh middle residual.
    expect(v0((await call(cache, runner, 3)).hidden)).toBeCloseTo(1 + 2 + 40 + 100, 5)

    const t = cache.traces()
    expect(t.map((x) => [x.cached, x.reason, x.blocksRun, x.blocksTotal])).toEqual([
      [false, 'warmup', 3, 3],
      [true, 'similar', 2, 3],
      [true, 'similar', 2, 3],
      [false, 'over_threshold', 3, 3]
    ])
    expect(t[1].distance).toBeCloseTo(0.05, 6)
    expect(t[2].distance).toBeCloseTo(0.08, 6)
    expect(t[3].distance).toBeCloseTo(1, 6)
    expect(t.every((x) => x.threshold === 0.1 && x.ms >= 0)).toBe(true)
  })

  it('compares each cached step with the last computed step, not the previous call', async () => {
    // Probe drifts 0.04 per step: vs the previous step every diff is ~0.04, but vs the last
    // computed step it grows until it passes 0.1 and forces a compute.
    const probe = [1, 1.04, 1.08, 1.12, 1.16, 1.2]
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 0.1 }))
    const runner = new FakeRunner(2, (b, t) => (b === 0 ? probe[t] : 5))
    for (let t = 0; t < probe.length; t++) await call(cache, runner, t)
    expect(cache.traces().map((x) => x.cached)).toEqual([false, true, true, false, true, true])
    expect(cache.summary().contexts[0].cachedSteps).toEqual([1, 2, 4, 5])
  })

  it('with F = all blocks skips nothing, even on a cached step', async () => {
    const cache = createStepCache(config({ Fn: 3, Bn: 0, maxWarmupSteps: 0, residualDiffThreshold: 5 }))
    const runner = threeBlocks([1, 1, 1], [2, 3, 4])
    const out = []
    for (let t = 0; t < 3; t++) out.push(v0((await call(cache, runner, t)).hidden))
    expect(out).toEqual([1 + 1 + 2 + 100, 1 + 1 + 3 + 100, 1 + 1 + 4 + 100])
    expect(cache.traces().map((x) => x.blocksRun)).toEqual([3, 3, 3])
  })

  it('counts Fn + Bn blocks on cached steps for any split', async () => {
    for (const [Fn, Bn] of [
      [1, 0],
      [2, 3],
      [4, 4]
    ]) {
      const n = 10
      const cache = createStepCache(config({ Fn, Bn, maxWarmupSteps: 1, residualDiffThreshold: 1 }))
      const runner = new FakeRunner(n, () => 1)
      await call(cache, runner, 0)
      runner.ranges.length = 0
      await call(cache, runner, 1)
      expect(runner.blocksRun).toBe(Fn + Bn)
      expect(cache.traces()[1]).toMatchObject({ cached: true, blocksRun: Fn + Bn, blocksTotal: n })
    }
  })

  it('BAD CALL - Fn + Bn larger than the block list names the list', async () => {
    const cache = createStepCache(config({ Fn: 8, Bn: 0 }))
    await expect(call(cache, new FakeRunner(3, () => 1), 0)).rejects.toThrow(
      'Fn = 8 exceeds the 3 blocks of transformer/blocks'
    )
  })

  it('runs every block when the cache is disabled', async () => {
    const cache = createStepCache(config({ enabled: false }))
    const runner = new FakeRunner(4, () => 1)
    for (let t = 0; t < 3; t++) await call(cache, runner, t)
    expect(runner.blocksRun).toBe(12)
    expect(cache.traces().map((x) => x.reason)).toEqual(['disabled', 'disabled', 'disabled'])
  })
})

describe('DBCache: caps', () => {
  const always = { Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 1 }

  it('caches every step past warmup with a huge threshold', async () => {
    const cache = createStepCache(config(always))
    const runner = new FakeRunner(3, () => 1)
    for (let t = 0; t < 8; t++) await call(cache, runner, t)
    expect(cache.summary().contexts[0].cachedSteps).toEqual([2, 3, 4, 5, 6, 7])
  })

  it('stops caching after maxCachedSteps', async () => {
    const cache = createStepCache(config({ ...always, maxCachedSteps: 3 }))
    const runner = new FakeRunner(3, () => 1)
    for (let t = 0; t < 8; t++) await call(cache, runner, t)
    expect(cache.summary().contexts[0].cachedSteps).toEqual([2, 3, 4])
    expect(
      cache
        .traces()
        .slice(5)
        .map((x) => x.reason)
    ).toEqual(['max_cached', 'max_cached', 'max_cached'])
  })

  it('forces a compute after maxContinuousCachedSteps consecutive cached steps', async () => {
    const cache = createStepCache(config({ ...always, maxContinuousCachedSteps: 2 }))
    const runner = new FakeRunner(3, () => 1)
    for (let t = 0; t < 9; t++) await call(cache, runner, t)
    expect(cache.summary().contexts[0].cachedSteps).toEqual([2, 3, 5, 6, 8])
    expect(cache.traces()[4].reason).toBe('max_continuous')
  })

  it('counts a true run length: a computed step starts the run again (CacheDiT would not)', async () => {
    // Steps 2, 3 cached; 4 over the threshold (computed); 5, 6, 7 similar. CacheDiT's counter
    // stays at 2 across step 4 and reaches 3 at step 6, forcing step 7; ours restarts at step 5.
    const probe = [1, 1, 1, 1, 3, 3, 3, 3, 3]
    const cache = createStepCache(
      config({ Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 0.5, maxContinuousCachedSteps: 3 })
    )
    const runner = new FakeRunner(2, (b, t) => (b === 0 ? probe[t] : 1))
    for (let t = 0; t < probe.length; t++) await call(cache, runner, t)
    expect(cache.summary().contexts[0].cachedSteps).toEqual([2, 3, 5, 6, 7])
    expect(cache.traces()[8].reason).toBe('max_continuous')
  })

  it('stops caching once the accumulated distance reaches the budget', async () => {
    const probe = [1, 1.1, 1.1, 1.1, 1.1]
    const cache = createStepCache(
      config({
        Fn: 1,
        Bn: 0,
        maxWarmupSteps: 1,
        residualDiffThreshold: 0.5,
        maxAccumulatedResidualDiffThreshold: 0.25
      })
    )
    const runner = new FakeRunner(2, (b, t) => (b === 0 ? probe[t] : 1))
    for (let t = 0; t < probe.length; t++) await call(cache, runner, t)
    // 0.1 + 0.1 = 0.2 < 0.25, + 0.1 = 0.3 ≥ 0.25 → step 4 is computed.
    expect(cache.traces().map((x) => x.reason)).toEqual([
      'warmup',
      'similar',
      'similar',
      'similar',
      'accumulated_budget'
    ])
  })

  it('records no distance and never caches with threshold 0', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 0, residualDiffThreshold: 0 }))
    const runner = new FakeRunner(3, () => 1)
    for (let t = 0; t < 4; t++) await call(cache, runner, t)
    expect(cache.traces().map((x) => [x.cached, x.reason, x.distance])).toEqual([
      [false, 'threshold_off', null],
      [false, 'threshold_off', null],
      [false, 'threshold_off', null],
      [false, 'threshold_off', null]
    ])
    expect(cache.summary().contexts[0]).toMatchObject({
      cachedCount: 0,
      computedCount: 4,
      residualDiffs: {},
      quantiles: null
    })
  })

  it('computes when the resolution changes and caches again at the new size', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 1 }))
    const runner = new FakeRunner(2, () => 1)
    const big = {
      hidden: { data: new Float32Array(16).fill(1), dims: [1, 4, 4] },
      encoder: { data: new Float32Array(12), dims: [1, 3, 4] }
    }
    await call(cache, runner, 0)
    await call(cache, runner, 1)
    await call(cache, runner, 2, { input: big })
    await call(cache, runner, 3, { input: big })
    expect(cache.traces().map((x) => x.reason)).toEqual(['warmup', 'similar', 'shape_changed', 'similar'])
  })
})

describe('DBCache: non-finite streams', () => {
  it('EXPECTED FAILURE - NaN in a block output throws NonFiniteError naming context and step', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0 }))
    const runner = new FakeRunner(2, (b, t) => (t === 1 && b === 1 ? NaN : 1))
    await call(cache, runner, 0)
    const err = await call(cache, runner, 1, { branch: 'cond' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NonFiniteError)
    expect(err).toBeInstanceOf(EngineFailure)
    expect((err as NonFiniteError).code).toBe('numeric')
    expect((err as Error).message).toBe(
      'non-finite value NaN at index 0 of hidden_states after transformer/blocks (cond), step 1'
    )
  })
})

describe('DBCache: traces', () => {
  it('drains only the decisions recorded since the last drain, and forgets them on a new generation', async () => {
    const cache = createStepCache(config({ Fn: 1, Bn: 0 }))
    const runner = new FakeRunner(2, () => 1)
    await call(cache, runner, 0)
    await call(cache, runner, 1)
    expect(cache.drainTraces().map((x) => x.step)).toEqual([0, 1])
    await call(cache, runner, 2)
    expect(cache.drainTraces().map((x) => x.step)).toEqual([2])
    expect(cache.drainTraces()).toEqual([])
    expect(cache.traces()).toHaveLength(3)
    cache.beginGeneration()
    expect(cache.traces()).toHaveLength(0)
    expect(cache.summary().contexts).toEqual([])
  })
})
