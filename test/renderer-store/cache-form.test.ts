import { describe, expect, it } from 'vitest'
import { CacheConfigSchema } from '../../src/shared/cache-config'
import { resolveCacheConfig } from '../../src/shared/presets'
import {
  DEFAULT_CACHE_DRAFT,
  draftFromConfig,
  parseCacheDraft
} from '../../src/renderer/src/store/cache-form'
import { fakeModel } from './fake-studio'

describe('custom cache form', () => {
  it('turns the default drafts back into exactly the library defaults', () => {
    const { overrides, errors } = parseCacheDraft(DEFAULT_CACHE_DRAFT)
    expect(errors).toEqual({})
    expect(CacheConfigSchema.parse(overrides)).toEqual(CacheConfigSchema.parse({}))
  })

  it("round-trips a preset's config through the form (F8B8 + TaylorSeer)", () => {
    const config = resolveCacheConfig('F8B8-taylorseer')
    const { overrides } = parseCacheDraft(draftFromConfig(config))
    expect(CacheConfigSchema.parse(overrides)).toEqual(config)
  })

  it('EXPECTED FAILURE - Fn = 0 is refused with the schema message next to Fn', () => {
    const { overrides, errors } = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, Fn: '0' })
    expect(overrides).toBeNull()
    expect(Object.keys(errors)).toEqual(['Fn'])
    expect(errors.Fn).toMatch(/>=1/)
  })

  it('EXPECTED FAILURE - text in a number field names the text', () => {
    const { errors } = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, residualDiffThreshold: 'abc' })
    expect(errors.residualDiffThreshold).toBe('"abc" is not a number')
  })

  it('EXPECTED FAILURE - a fractional warmup and a negative budget are each refused under their own field', () => {
    const { errors } = parseCacheDraft({
      ...DEFAULT_CACHE_DRAFT,
      maxWarmupSteps: '2.5',
      maxAccumulatedResidualDiffThreshold: '-1'
    })
    expect(Object.keys(errors).sort()).toEqual(['maxAccumulatedResidualDiffThreshold', 'maxWarmupSteps'])
  })

  it('EXPECTED FAILURE - a Taylor order over 4 is filed under taylorSeer.order', () => {
    const { errors } = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, 'taylorSeer.order': '7' })
    expect(errors['taylorSeer.order']).toMatch(/<=4/)
  })

  it('reads a computation mask of 0/1 and refuses other digits', () => {
    const good = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, stepsComputationMask: '1, 1,0 1' })
    expect(good.overrides?.stepsComputationMask).toEqual([1, 1, 0, 1])
    const bad = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, stepsComputationMask: '1,2' })
    expect(bad.errors.stepsComputationMask).toBe('use only 0 and 1, separated by commas')
  })

  it('empty optional numbers and auto tristates become null', () => {
    const { overrides } = parseCacheDraft({
      ...DEFAULT_CACHE_DRAFT,
      forceRefreshStepHint: '',
      enableSeparateCfg: 'auto'
    })
    expect(overrides?.forceRefreshStepHint).toBeNull()
    expect(overrides?.enableSeparateCfg).toBeNull()
  })

  it("EXPECTED FAILURE - Fn + Bn larger than the model's block list is refused with the list named", () => {
    const model = fakeModel()
    const { overrides, errors } = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, Fn: '8', Bn: '8' }, model)
    expect(overrides).toBeNull()
    expect(errors.Bn).toBe('Fn + Bn = 16 exceeds the 12 blocks of main')
  })
})

describe('block budget', () => {
  const twoLists = fakeModel({
    transformers: [
      {
        name: 'transformer',
        timestepRange: [0, 1],
        blockLists: [
          { name: 'double', pattern: 'Pattern_1', blocks: 3 },
          { name: 'single', pattern: 'Pattern_1', blocks: 3 }
        ]
      }
    ]
  })

  it('counts merged lists together unless the config says not to merge', () => {
    expect(parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, Fn: '4' }, twoLists).errors).toEqual({})
    const split = parseCacheDraft({ ...DEFAULT_CACHE_DRAFT, Fn: '4', mergeBlockLists: 'false' }, twoLists)
    expect(split.errors.Fn).toBe('Fn = 4 exceeds the 3 blocks of transformer/double')
  })
})
