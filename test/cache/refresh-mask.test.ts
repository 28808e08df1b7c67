import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import { call, config, FakeRunner } from './fake-runner'

const flat = (): FakeRunner => new FakeRunner(2, () => 1)

describe('force refresh', () => {
  it("'once': after h transformer calls the context starts over (warmup again) and keeps its statistics", async () => {
    const cache = createStepCache(
      config({ Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 1, forceRefreshStepHint: 4 })
    )
    const r = flat()
    for (let t = 0; t < 10; t++) await call(cache, r, t)
    expect(cache.traces().map((x) => x.reason)).toEqual([
      'warmup',
      'warmup',
      'similar',
      'similar',
      'warmup',
      'warmup',
      'similar',
      'similar',
      'similar',
      'similar'
    ])
    expect(cache.summary().contexts[0].cachedSteps).toEqual([2, 3, 6, 7, 8, 9])
  })

  it('keeps counting cached steps for maxCachedSteps across the refresh, as CacheDiT', async () => {
    const cache = createStepCache(
      config({
        Fn: 1,
        Bn: 0,
        maxWarmupSteps: 1,
        residualDiffThreshold: 1,
        maxCachedSteps: 3,
        forceRefreshStepHint: 3
      })
    )
    const r = flat()
    for (let t = 0; t < 6; t++) await call(cache, r, t)
    expect(cache.traces().map((x) => x.reason)).toEqual([
      'warmup',
      'similar',
      'similar',
      'warmup',
      'similar',
      'max_cached'
    ])
  })

  it("'repeat': starts over every h calls", async () => {
    const cache = createStepCache(
      config({
        Fn: 1,
        Bn: 0,
        maxWarmupSteps: 1,
        residualDiffThreshold: 1,
        forceRefreshStepHint: 3,
        forceRefreshStepPolicy: 'repeat'
      })
    )
    const r = flat()
    for (let t = 0; t < 9; t++) await call(cache, r, t)
    expect(cache.traces().map((x) => x.cached)).toEqual([
      false,
      true,
      true,
      false,
      true,
      true,
      false,
      true,
      true
    ])
  })

  it('counts both CFG branches as calls, like CacheDiT’s transformer step counter', async () => {
    const cache = createStepCache(
      config({ Fn: 1, Bn: 0, maxWarmupSteps: 1, residualDiffThreshold: 1, forceRefreshStepHint: 4 })
    )
    const r = flat()
    for (let t = 0; t < 4; t++) {
      await call(cache, r, t, { branch: 'cond' })
      await call(cache, r, t, { branch: 'uncond' })
    }
    // Calls 0–3 = steps 0–1; the refresh lands before step 2's cond call.
    expect(cache.traces().map((x) => x.reason)).toEqual([
      'warmup',
      'warmup',
      'similar',
      'similar',
      'warmup',
      'warmup',
      'similar',
      'similar'
    ])
  })
})

describe('steps computation mask through the cache', () => {
  it('computes mask-1 steps and caches mask-0 steps that pass the threshold (dynamic)', async () => {
    const cache = createStepCache(
      config({
        Fn: 1,
        Bn: 0,
        maxWarmupSteps: 8,
        residualDiffThreshold: 0.5,
        stepsComputationMask: [1, 1, 0, 0, 1, 0]
      })
    )
    const r = flat()
    for (let t = 0; t < 6; t++) await call(cache, r, t)
    expect(cache.traces().map((x) => x.reason)).toEqual([
      'warmup',
      'warmup',
      'similar',
      'similar',
      'mask_compute',
      'similar'
    ])
  })
})
