import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import type { StepCache } from '../../src/main/engine/cache/seam'
import type { CacheConfigInput } from '../../src/shared/cache-config'
import { callSteps, config, FakeRunner, reasons, reasonsByStep } from './fake-runner'

const flat = (): FakeRunner => new FakeRunner(2, () => 1)

describe('force refresh', () => {
  /** F1B0 with a threshold every `flat()` step passes: only warmup, a refresh or a cap computes. */
  const refreshing = (o: CacheConfigInput): StepCache =>
    createStepCache(config({ Fn: 1, Bn: 0, residualDiffThreshold: 1, ...o }))

  it("'once': after h transformer calls the context starts over (warmup again) and keeps its statistics", async () => {
    const cache = refreshing({ maxWarmupSteps: 2, forceRefreshStepHint: 4 })
    await callSteps(cache, flat(), 10)
    expect(reasons(cache)).toEqual([
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
    const cache = refreshing({ maxWarmupSteps: 1, maxCachedSteps: 3, forceRefreshStepHint: 3 })
    await callSteps(cache, flat(), 6)
    expect(reasons(cache)).toEqual(['warmup', 'similar', 'similar', 'warmup', 'similar', 'max_cached'])
  })

  it("'repeat': starts over every h calls", async () => {
    const cache = refreshing({ maxWarmupSteps: 1, forceRefreshStepHint: 3, forceRefreshStepPolicy: 'repeat' })
    await callSteps(cache, flat(), 9)
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
    const cache = refreshing({ maxWarmupSteps: 1, forceRefreshStepHint: 4 })
    await callSteps(cache, flat(), 4, ['cond', 'uncond'])
    // Calls 0–3 = steps 0–1; the refresh lands before step 2's cond call.
    expect(reasonsByStep(cache)).toEqual([
      ['warmup', 'warmup'],
      ['similar', 'similar'],
      ['warmup', 'warmup'],
      ['similar', 'similar']
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
    await callSteps(cache, flat(), 6)
    expect(reasons(cache)).toEqual(['warmup', 'warmup', 'similar', 'similar', 'mask_compute', 'similar'])
  })
})
