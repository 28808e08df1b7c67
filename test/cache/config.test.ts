import { describe, expect, it } from 'vitest'
import { CacheConfigSchema, CacheOverridesSchema, cacheTag } from '../../src/shared/cache-config'
import { CacheChoiceSchema } from '../../src/shared/generation'
import { resolveCacheConfig } from '../../src/shared/presets'

describe('cache config defaults', () => {
  it("are CacheDiT's BasicCacheConfig defaults (F8B0, W8 I1, unlimited caps, R 0.08, no TaylorSeer)", () => {
    const c = CacheConfigSchema.parse({})
    expect(c).toMatchObject({
      enabled: true,
      Fn: 8,
      Bn: 0,
      residualDiffThreshold: 0.08,
      maxAccumulatedResidualDiffThreshold: null,
      maxWarmupSteps: 8,
      warmupInterval: 1,
      maxCachedSteps: -1,
      maxContinuousCachedSteps: -1,
      enableSeparateCfg: null,
      cfgDiffComputeSeparate: true,
      stepsComputationMask: null,
      stepsComputationPolicy: 'dynamic',
      forceRefreshStepHint: null,
      forceRefreshStepPolicy: 'once',
      downsampleFactor: 1,
      taylorSeer: { enabled: false, order: 1, encoder: true, cacheType: 'residual' }
    })
    expect(cacheTag(c)).toBe('DBCache_F8B0_W8I1M0MC0_R0.08_T0O0')
  })
})

describe('presets', () => {
  it('F8B0 is the library default and none disables the cache', () => {
    expect(resolveCacheConfig('F8B0')).toEqual(CacheConfigSchema.parse({}))
    expect(resolveCacheConfig('none').enabled).toBe(false)
  })

  it('F8B8-taylorseer is F8B8, R 0.12, TaylorSeer order 1; F1B0 is Fn 1 Bn 0', () => {
    expect(cacheTag(resolveCacheConfig('F8B8-taylorseer'))).toBe('DBCache_F8B8_W8I1M0MC0_R0.12_T1O1')
    expect(resolveCacheConfig('F1B0')).toMatchObject({ Fn: 1, Bn: 0 })
  })
})

describe('overrides on top of a preset', () => {
  it('keep every preset value they do not name (no defaults filled in)', () => {
    const choice = CacheChoiceSchema.parse({
      preset: 'F8B8-taylorseer',
      overrides: { Fn: 2, taylorSeer: { order: 2 } }
    })
    expect(choice.overrides).toEqual({ Fn: 2, taylorSeer: { order: 2 } })
    expect(resolveCacheConfig(choice.preset, choice.overrides)).toMatchObject({
      Fn: 2,
      Bn: 8,
      residualDiffThreshold: 0.12,
      taylorSeer: { enabled: true, order: 2 }
    })
  })

  it.each([
    [{ Fn: 0 }, 'Fn'],
    [{ Bn: -1 }, 'Bn'],
    [{ residualDiffThreshold: Number.NaN }, 'residualDiffThreshold'],
    [{ maxAccumulatedResidualDiffThreshold: 0 }, 'maxAccumulatedResidualDiffThreshold'],
    [{ maxWarmupSteps: -1 }, 'maxWarmupSteps'],
    [{ warmupInterval: 0 }, 'warmupInterval'],
    [{ maxCachedSteps: -2 }, 'maxCachedSteps'],
    [{ maxContinuousCachedSteps: 1.5 }, 'maxContinuousCachedSteps'],
    [{ stepsComputationMask: [1, 2] }, 'stepsComputationMask'],
    [{ stepsComputationPolicy: 'sometimes' }, 'stepsComputationPolicy'],
    [{ forceRefreshStepHint: 0 }, 'forceRefreshStepHint'],
    [{ downsampleFactor: 0 }, 'downsampleFactor'],
    [{ taylorSeer: { order: 5 } }, 'taylorSeer'],
    [{ taylorSeer: { cacheType: 'latent' } }, 'taylorSeer'],
    [{ Fm: 3 }, '']
  ])('BAD CALL - %j is refused, naming %s', (overrides, field) => {
    const r = CacheOverridesSchema.safeParse(overrides)
    expect(r.success).toBe(false)
    expect(r.error?.issues[0].path[0] ?? '').toBe(field)
    expect(CacheConfigSchema.safeParse(overrides).success).toBe(false)
  })
})
