import { describe, expect, it } from 'vitest'
import { ciCheck, DEFAULT_CI_FLOORS, spreadCheck } from '../../src/bench/ci-check'
import { DEFAULT_SPREAD_BOUNDS, spreadLine, stepSpread } from '../../src/bench/spread'
import { modelBench, noneVariant, steadySpread, variant } from './synthetic'

describe('stepSpread', () => {
  it('takes P10, median, P90 and max over every step of every run', () => {
    // 1..10 ms over two runs: P10 = 1.9, median 5.5, P90 9.1 (linear interpolation), max 10.
    const s = stepSpread([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10]
    ])
    expect(s).not.toBeNull()
    expect(s?.runs).toBe(2)
    expect(s?.steps).toBe(10)
    expect(s?.p10Ms).toBeCloseTo(1.9, 10)
    expect(s?.medianMs).toBeCloseTo(5.5, 10)
    expect(s?.p90Ms).toBeCloseTo(9.1, 10)
    expect(s?.maxOverMedian).toBeCloseTo(10 / 5.5, 10)
    expect(s?.p90OverP10).toBeCloseTo(9.1 / 1.9, 10)
    // Run medians 3 and 8.
    expect(s?.runMedianRatio).toBeCloseTo(8 / 3, 10)
  })

  it('sees a bimodal set of runs that each look steady on their own', () => {
    const fast = Array.from({ length: 28 }, (_, i) => 5 + (i % 3) * 0.05)
    const slow = fast.map((x) => x * 1.9)
    const one = stepSpread([fast, fast])
    const mixed = stepSpread([fast, slow, fast, slow])
    expect(one?.runMedianRatio).toBe(1)
    expect(one?.p90OverP10).toBeLessThan(1.05)
    expect(mixed?.runMedianRatio).toBeCloseTo(1.9, 10)
    expect(mixed?.p90OverP10).toBeGreaterThan(1.8)
  })

  it('skips empty runs and is null with no steps at all', () => {
    expect(stepSpread([])).toBeNull()
    expect(stepSpread([[], []])).toBeNull()
    expect(stepSpread([[], [4, 4]])?.runs).toBe(1)
  })

  it("states issue 17's run-spread acceptance: slowest run median within 15 % of the fastest's over 10 runs", () => {
    const steady = Array.from({ length: 10 }, (_, i) => [5, 5 + i * 0.08, 6])
    expect(stepSpread(steady)?.meetsRunSpread).toBe(true)
    const bimodal = [...steady.slice(0, 9), [9, 9, 9]]
    expect(stepSpread(bimodal)?.meetsRunSpread).toBe(false)
    expect(stepSpread(steady.slice(0, 9))?.meetsRunSpread).toBe(false)
    expect(spreadLine('none', stepSpread(bimodal))).toContain('over 15 % over 10 runs')
  })

  it('writes one line naming every figure', () => {
    expect(spreadLine('none', stepSpread([[1, 2, 3, 4, 5]]))).toBe(
      'none: step ms P10 1.40 / median 3.00 / P90 4.60 / max 5.00 over 1 runs × 5 steps: ' +
        'P90/P10 3.29, max/median 1.67, slowest/fastest run median 1.00 ' +
        '(1 runs: fewer than the 10 the 15 % figure needs)'
    )
    expect(spreadLine('none', null)).toBe('none: no warm steps')
  })
})

describe('the steadiness check', () => {
  const withNone = (over: Parameters<typeof steadySpread>[0]) => {
    const none = noneVariant()
    none.stepSpread = steadySpread(over)
    return modelBench([none, variant()])
  }

  it('passes steady uncached steps', () => {
    expect(spreadCheck(withNone({}), DEFAULT_SPREAD_BOUNDS).every((f) => f.ok)).toBe(true)
  })

  it('fails a run whose median step is 2.1× another run’s (the bimodal engine of issue 17)', () => {
    const f = spreadCheck(withNone({ runMedianRatio: 2.1 }), DEFAULT_SPREAD_BOUNDS).filter((x) => !x.ok)
    expect(f.map((x) => x.line)).toEqual([
      'shapes-test none: slowest/fastest run median step 2.10 over 4 runs (bound 2)'
    ])
  })

  it('fails a P90/P10 over the bound, through ciCheck', () => {
    const f = ciCheck(withNone({ p90OverP10: 3.2 }), DEFAULT_CI_FLOORS, null).filter((x) => !x.ok)
    expect(f.map((x) => x.line)).toEqual([
      'shapes-test none: step time P90/P10 3.20 over 112 steps (bound 3)'
    ])
  })

  it('fails when the checked variant has no step times, and leaves cached variants unchecked', () => {
    const none = noneVariant()
    none.stepSpread = null
    // F8B0's cached and computed steps differ ~3× by design: not a failure.
    const cached = variant({ stepSpread: steadySpread({ p90OverP10: 3.5, runMedianRatio: 1.8 }) })
    const f = spreadCheck(modelBench([none, cached]), DEFAULT_SPREAD_BOUNDS).filter((x) => !x.ok)
    expect(f.map((x) => x.line)).toEqual(['shapes-test none: no warm step times to measure the spread of'])
  })
})
