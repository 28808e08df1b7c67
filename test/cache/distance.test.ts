import { describe, expect, it } from 'vitest'
import { probeDims, relativeL1, residualProbeInto } from '../../src/main/engine/cache/distance'
import { tensor } from '../../src/main/engine/tensor'

describe('relativeL1', () => {
  it('is mean|prev − cur| / mean|prev| over all elements', () => {
    const prev = new Float32Array([1, -2, 3, -4])
    const cur = new Float32Array([1.5, -2, 2, -4])
    // (0.5 + 0 + 1 + 0) / (1 + 2 + 3 + 4)
    expect(relativeL1(prev, cur)).toBeCloseTo(0.15, 12)
  })

  it('is 0 for identical tensors', () => {
    const a = new Float32Array([0.3, -0.7, 2])
    expect(relativeL1(a, Float32Array.from(a))).toBe(0)
  })

  it('adds no epsilon: an all-zero reference gives Infinity (or NaN when both are zero)', () => {
    expect(relativeL1(new Float32Array(3), new Float32Array([1, 0, 0]))).toBe(Infinity)
    expect(relativeL1(new Float32Array(3), new Float32Array(3))).toBeNaN()
  })

  it('accumulates in float64 so a million small terms do not drown', () => {
    const n = 1_000_000
    const prev = new Float32Array(n).fill(1)
    const cur = new Float32Array(n).fill(1)
    cur[0] = 1 + 1e6 * 1e-7 // one element off by 0.1
    expect(relativeL1(prev, cur)).toBeCloseTo(0.1 / n, 12)
  })

  it('EXPECTED FAILURE - different lengths name both sizes', () => {
    expect(() => relativeL1(new Float32Array(2), new Float32Array(3))).toThrow(
      '2 reference values vs 3 probe values'
    )
  })
})

describe('residualProbeInto', () => {
  it('writes after − before', () => {
    const out = new Float32Array(3)
    residualProbeInto(
      out,
      tensor(new Float32Array([5, 6, 7]), [1, 3]),
      tensor(new Float32Array([1, 1, 2]), [1, 3]),
      1
    )
    expect([...out]).toEqual([4, 5, 5])
  })

  it('keeps channels 0, k, 2k … of the last axis with downsampleFactor k', () => {
    const after = tensor(
      Float32Array.from({ length: 10 }, (_, i) => i),
      [2, 5]
    )
    const before = tensor(new Float32Array(10), [2, 5])
    expect(probeDims(after.dims, 2)).toEqual([2, 3])
    const out = new Float32Array(6)
    residualProbeInto(out, after, before, 2)
    expect([...out]).toEqual([0, 2, 4, 5, 7, 9])
  })
})
