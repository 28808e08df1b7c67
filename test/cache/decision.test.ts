import { describe, expect, it } from 'vitest'
import { decide, warmupLength, type DecisionInput } from '../../src/main/engine/cache/decision'
import { config } from './fake-runner'

const ref = new Float32Array([1, 1, 1, 1])
/** A probe at relative L1 distance `d` from `ref`. */
const probeAt = (d: number): Float32Array => new Float32Array(4).fill(1 + d)
const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  step: 10,
  cachedCount: 0,
  runLength: 0,
  accumulatedDiff: 0,
  probe: probeAt(0.05),
  reference: ref,
  shapeChanged: false,
  ...over
})

describe('decide: threshold', () => {
  const c = config({ residualDiffThreshold: 0.25 })

  it('caches when the distance is strictly under the threshold', () => {
    expect(decide(c, input({ probe: probeAt(0.125) }))).toEqual({
      cached: true,
      reason: 'similar',
      distance: 0.125
    })
  })

  it('computes when the distance equals the threshold (strict <)', () => {
    // 0.25 is exact in binary, so the distance is exactly the threshold.
    expect(decide(c, input({ probe: probeAt(0.25) }))).toEqual({
      cached: false,
      reason: 'over_threshold',
      distance: 0.25
    })
  })

  it('computes when the distance is NaN (all-zero reference and probe)', () => {
    const d = decide(c, input({ reference: new Float32Array(4), probe: new Float32Array(4) }))
    expect(d.cached).toBe(false)
    expect(d.reason).toBe('over_threshold')
    expect(d.distance).toBeNaN()
  })

  it('never caches with a threshold ≤ 0 and evaluates no distance', () => {
    for (const t of [0, -0.5]) {
      expect(decide(config({ residualDiffThreshold: t }), input({ probe: probeAt(0) }))).toEqual({
        cached: false,
        reason: 'threshold_off',
        distance: null
      })
    }
  })

  it('always calls a step similar with a threshold ≥ 1, without evaluating a distance', () => {
    expect(decide(config({ residualDiffThreshold: 1 }), input({ probe: probeAt(50) }))).toEqual({
      cached: true,
      reason: 'similar',
      distance: null
    })
  })

  it('computes on a shape change even when the threshold is ≥ 1', () => {
    expect(decide(config({ residualDiffThreshold: 5 }), input({ shapeChanged: true })).reason).toBe(
      'shape_changed'
    )
  })

  it('computes when there is no reference yet', () => {
    expect(decide(c, input({ reference: null })).reason).toBe('no_reference')
  })

  it('reuses a shared distance (cfgDiffComputeSeparate off) instead of measuring', () => {
    expect(decide(c, input({ probe: probeAt(0), sharedDistance: 0.3 }))).toEqual({
      cached: false,
      reason: 'over_threshold',
      distance: 0.3
    })
  })

  it('never caches when the cache is disabled', () => {
    expect(decide(config({ enabled: false }), input({ probe: probeAt(0) })).reason).toBe('disabled')
  })
})

describe('decide: warmup', () => {
  it('computes steps 0..W−1 with interval 1', () => {
    const c = config({ maxWarmupSteps: 3, residualDiffThreshold: 0.5 })
    const reasons = [0, 1, 2, 3].map((step) => decide(c, input({ step })).reason)
    expect(reasons).toEqual(['warmup', 'warmup', 'warmup', 'similar'])
  })

  it('forces only steps 0, 2, 4 … of the window with interval 2', () => {
    const c = config({ maxWarmupSteps: 6, warmupInterval: 2, residualDiffThreshold: 0.5 })
    const reasons = [0, 1, 2, 3, 4, 5, 6].map((step) => decide(c, input({ step })).reason)
    expect(reasons).toEqual(['warmup', 'similar', 'warmup', 'similar', 'warmup', 'similar', 'similar'])
  })

  it('shortens the window to the mask’s leading 1s', () => {
    expect(warmupLength(8, [1, 1, 0, 1])).toBe(2)
    expect(warmupLength(1, [1, 1, 1])).toBe(1)
    expect(warmupLength(8, null)).toBe(8)
  })
})

describe('decide: caps', () => {
  it('computes once maxCachedSteps cached steps were taken', () => {
    const c = config({ maxWarmupSteps: 0, maxCachedSteps: 2, residualDiffThreshold: 0.5 })
    expect(decide(c, input({ cachedCount: 1 })).cached).toBe(true)
    expect(decide(c, input({ cachedCount: 2 })).reason).toBe('max_cached')
  })

  it('maxCachedSteps 0 never caches, −1 never limits', () => {
    expect(decide(config({ maxWarmupSteps: 0, maxCachedSteps: 0 }), input()).reason).toBe('max_cached')
    expect(
      decide(config({ maxWarmupSteps: 0, maxCachedSteps: -1 }), input({ cachedCount: 1e6 })).cached
    ).toBe(true)
  })

  it('computes once the run of cached steps reaches maxContinuousCachedSteps', () => {
    const c = config({ maxWarmupSteps: 0, maxContinuousCachedSteps: 3 })
    expect(decide(c, input({ runLength: 2 })).cached).toBe(true)
    expect(decide(c, input({ runLength: 3 })).reason).toBe('max_continuous')
  })

  it('computes once the accumulated distance reaches the budget', () => {
    const c = config({ maxWarmupSteps: 0, maxAccumulatedResidualDiffThreshold: 0.2 })
    expect(decide(c, input({ accumulatedDiff: 0.19 })).cached).toBe(true)
    expect(decide(c, input({ accumulatedDiff: 0.2 })).reason).toBe('accumulated_budget')
  })

  it('applies the gates in CacheDiT’s order: warmup before caps before the threshold', () => {
    const c = config({ maxWarmupSteps: 4, maxCachedSteps: 0, residualDiffThreshold: 0 })
    expect(decide(c, input({ step: 1 })).reason).toBe('warmup')
    expect(decide(c, input({ step: 5 })).reason).toBe('max_cached')
  })
})

describe('decide: steps computation mask', () => {
  const mask: (0 | 1)[] = [1, 1, 0, 1, 0]

  it('computes mask-1 steps and tests the threshold on mask-0 steps (dynamic)', () => {
    const c = config({ stepsComputationMask: mask, residualDiffThreshold: 0.1 })
    expect(decide(c, input({ step: 3 })).reason).toBe('mask_compute')
    expect(decide(c, input({ step: 2, probe: probeAt(0.05) })).reason).toBe('similar')
    expect(decide(c, input({ step: 4, probe: probeAt(0.5) })).reason).toBe('over_threshold')
    // Past the end of the mask counts as 0.
    expect(decide(c, input({ step: 9, probe: probeAt(0.05) })).reason).toBe('similar')
  })

  it('caches mask-0 steps unconditionally with the static policy, ahead of the caps', () => {
    const c = config({ stepsComputationMask: mask, stepsComputationPolicy: 'static', maxCachedSteps: 0 })
    expect(decide(c, input({ step: 2, probe: probeAt(9) }))).toEqual({
      cached: true,
      reason: 'static_mask',
      distance: null
    })
    expect(decide(c, input({ step: 2, reference: null })).reason).toBe('no_reference')
  })
})
