import { parseArgs } from 'node:util'
import { describe, expect, it } from 'vitest'
import { CACHE_FLAG_OPTIONS, cacheChoiceFromFlags, CacheFlagError } from '../../src/cli/cache-flags'
import { resolveCacheConfig } from '../../src/shared/presets'

const flags = (...args: string[]) =>
  cacheChoiceFromFlags(parseArgs({ args, options: CACHE_FLAG_OPTIONS, strict: true }).values)

describe('cache flags', () => {
  it('no flags: no cache', () => {
    expect(flags()).toEqual({ preset: 'none', overrides: {} })
  })

  it('--cache picks a preset, case-insensitively', () => {
    expect(flags('--cache', 'f8b8-TaylorSeer')).toEqual({ preset: 'F8B8-taylorseer', overrides: {} })
  })

  it('field flags override the preset and keep its other fields', () => {
    const choice = flags(
      '--cache',
      'F8B8-taylorseer',
      '--fn',
      '4',
      '--threshold',
      '0.2',
      '--max-continuous',
      '3'
    )
    expect(choice.overrides).toEqual({ Fn: 4, residualDiffThreshold: 0.2, maxContinuousCachedSteps: 3 })
    expect(resolveCacheConfig(choice.preset, choice.overrides)).toMatchObject({
      Fn: 4,
      Bn: 8,
      residualDiffThreshold: 0.2,
      maxContinuousCachedSteps: 3,
      taylorSeer: { enabled: true, order: 1 }
    })
  })

  it('field flags alone start from the library defaults (custom), not from no cache', () => {
    const choice = flags('--fn', '1', '--warmup', '4', '--max-cached', '10', '--bn', '2')
    expect(choice.preset).toBe('custom')
    expect(resolveCacheConfig(choice.preset, choice.overrides)).toMatchObject({
      enabled: true,
      Fn: 1,
      Bn: 2,
      maxWarmupSteps: 4,
      maxCachedSteps: 10,
      residualDiffThreshold: 0.08
    })
  })

  it('--taylorseer-order enables TaylorSeer with that order; "off" disables it', () => {
    expect(flags('--cache', 'F1B0', '--taylorseer-order', '2').overrides).toEqual({
      taylorSeer: { enabled: true, order: 2 }
    })
    const off = flags('--cache', 'F8B8-taylorseer', '--taylorseer-order', 'off')
    expect(resolveCacheConfig(off.preset, off.overrides).taylorSeer.enabled).toBe(false)
  })

  it('--separate-cfg sets enableSeparateCfg and does not switch the cache on', () => {
    expect(flags('--separate-cfg')).toEqual({ preset: 'none', overrides: { enableSeparateCfg: true } })
  })

  it.each([
    [
      ['--cache', 'F9B9'],
      '--cache: unknown preset "F9B9" (one of none, F8B0, F8B8-taylorseer, F1B0, custom)'
    ],
    [['--fn', 'eight'], '--fn: expected an integer, got "eight"'],
    [['--fn', '0'], '--fn: Too small: expected number to be >=1'],
    [['--bn', '1.5'], '--bn: expected an integer, got "1.5"'],
    [['--threshold', 'x'], '--threshold: expected a number, got "x"'],
    [['--warmup=-1'], '--warmup: Too small: expected number to be >=0'],
    [['--max-cached=-2'], '--max-cached: Too small: expected number to be >=-1'],
    [['--taylorseer-order', '9'], '--taylorseer-order: Too big: expected number to be <=4']
  ])('BAD CALL - %j: "%s"', (args, message) => {
    let error: unknown
    try {
      flags(...args)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CacheFlagError)
    expect((error as Error).message).toBe(message)
  })
})
