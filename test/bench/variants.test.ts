import { describe, expect, it } from 'vitest'
import { shellQuote } from '../../src/bench/report/format'
import { resolveCacheConfig } from '../../src/shared/presets'
import { defaultVariants, defaultVariantsFor, parseVariants, variantTag } from '../../src/bench/variants'

describe('bench variants', () => {
  it('default: the four presets, then the F8B0 sweep without its own threshold', () => {
    expect(defaultVariants([0.04, 0.08, 0.2]).map((v) => v.id)).toEqual([
      'none',
      'F8B0',
      'F8B8-taylorseer',
      'F1B0',
      'F8B0-R0.04',
      'F8B0-R0.2'
    ])
  })

  it('per model: the sweep on F8B0 where it fits, else on F1B0 (6-block lists), else no sweep', () => {
    const fitting = (blocks: number) => (v: { preset: Parameters<typeof resolveCacheConfig>[0] }) => {
      const c = resolveCacheConfig(v.preset)
      return c.Fn + c.Bn <= blocks
    }
    expect(defaultVariantsFor(fitting(32), [0.04, 0.2]).map((v) => v.id)).toEqual(
      defaultVariants([0.04, 0.2]).map((v) => v.id)
    )
    // Every preset stays listed (the bench says why one does not fit); F1B0's own 0.12 is not repeated.
    expect(defaultVariantsFor(fitting(6), [0.04, 0.12, 0.2]).map((v) => v.id)).toEqual([
      'none',
      'F8B0',
      'F8B8-taylorseer',
      'F1B0',
      'F1B0-R0.04',
      'F1B0-R0.2'
    ])
    expect(defaultVariantsFor(fitting(0), [0.04]).map((v) => v.id)).toEqual([
      'none',
      'F8B0',
      'F8B8-taylorseer',
      'F1B0'
    ])
  })

  it('parses presets and preset-with-threshold, with the tag CacheDiT would print', () => {
    const [a, b] = parseVariants('F1B0, F8B8-taylorseer-R0.3')
    expect(variantTag(a)).toBe('DBCache_F1B0_W8I1M0MC0_R0.12_T0O0')
    expect(b.overrides).toEqual({ residualDiffThreshold: 0.3 })
    expect(variantTag(b)).toBe('DBCache_F8B8_W8I1M0MC0_R0.3_T1O1')
  })

  it('BAD CALL - unknown names, custom and none with a threshold are refused', () => {
    expect(() => parseVariants('F2B0')).toThrow(
      'unknown variant "F2B0" (one of none, F8B0, F8B8-taylorseer, F1B0'
    )
    expect(() => parseVariants('custom')).toThrow('unknown variant "custom"')
    expect(() => parseVariants('none-R0.1')).toThrow('unknown variant "none-R0.1"')
  })
})

describe('shellQuote', () => {
  it('quotes what a shell would split or expand, so the recorded command pastes back', () => {
    expect(
      ['--note', "two training runs, it's busy", '--model', 'shapes-flux-tiny', '--thresholds', '0.1,0.2']
        .map(shellQuote)
        .join(' ')
    ).toBe(`--note 'two training runs, it'\\''s busy' --model shapes-flux-tiny --thresholds 0.1,0.2`)
  })
})
