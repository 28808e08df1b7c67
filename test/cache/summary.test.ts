import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import { percentile, quantiles, summarizeTraces } from '../../src/shared/cache-summary'
import { CacheSummarySchema, type StepTrace } from '../../src/shared/trace'
import { call, config, FakeRunner } from './fake-runner'

describe('percentile (NumPy linear)', () => {
  it('matches numpy.percentile([1, 2, 3, 4], q)', () => {
    expect([0, 25, 50, 75, 100].map((q) => percentile([1, 2, 3, 4], q))).toEqual([1, 1.75, 2.5, 3.25, 4])
  })

  it('reproduces the quantiles of the CacheDiT doc example from its diff values', () => {
    const q = quantiles([0.297, 0.045, 0.241, 0.084, 0.147, 0.114])
    expect(q?.min).toBe(0.045)
    expect(q?.p25).toBeCloseTo(0.0915, 12)
    expect(q?.p50).toBeCloseTo(0.1305, 12)
    expect(q?.p75).toBeCloseTo(0.2175, 12)
    expect(q?.p95).toBeCloseTo(0.283, 12)
    expect(q?.max).toBe(0.297)
  })

  it('is null for no values and the value itself for one', () => {
    expect(quantiles([])).toBeNull()
    expect(quantiles([0.2])).toEqual({ min: 0.2, p25: 0.2, p50: 0.2, p75: 0.2, p95: 0.2, max: 0.2 })
  })
})

describe('summary', () => {
  it('lists contexts in call order, cond before uncond, whichever branch was traced first (CFG lanes race)', () => {
    const trace = (transformer: string, context: string, branch: StepTrace['branch']): StepTrace =>
      ({
        transformer,
        context,
        branch,
        step: 0,
        cached: false,
        distance: null,
        blocksRun: 1,
        blocksTotal: 1
      }) as StepTrace
    const rows = (traces: StepTrace[]) =>
      summarizeTraces(traces).contexts.map((c) => `${c.transformer}/${c.context}/${c.branch}`)
    const expected = ['transformer/blocks/cond', 'transformer/blocks/uncond', 'transformer_2/blocks/cond']
    expect(
      rows([
        trace('transformer', 'blocks', 'uncond'),
        trace('transformer', 'blocks', 'cond'),
        trace('transformer_2', 'blocks', 'cond')
      ])
    ).toEqual(expected)
    expect(
      rows([
        trace('transformer', 'blocks', 'cond'),
        trace('transformer', 'blocks', 'uncond'),
        trace('transformer_2', 'blocks', 'cond')
      ])
    ).toEqual(expected)
  })

  it('labels each context, lists cached steps and diffs by scheduler step, and counts blocks', async () => {
    const probe = [1, 1.02, 1.5, 1.52, 1.53]
    const cache = createStepCache(config({ Fn: 1, Bn: 1, maxWarmupSteps: 1, residualDiffThreshold: 0.05 }))
    const r = new FakeRunner(4, (b, t) => (b === 0 ? probe[t] : 1))
    for (let t = 0; t < probe.length; t++) await call(cache, r, t, { branch: 'cond' })
    const s = CacheSummarySchema.parse(cache.summary())
    expect(s.contexts).toHaveLength(1)
    const c = s.contexts[0]
    expect(c).toMatchObject({
      transformer: 'transformer',
      context: 'blocks',
      branch: 'cond',
      cachedSteps: [1, 3, 4]
    })
    expect(c.cachedCount).toBe(3)
    expect(c.computedCount).toBe(2)
    expect(Object.keys(c.residualDiffs)).toEqual(['1', '2', '3', '4'])
    expect(c.residualDiffs['2']).toBeCloseTo(0.5, 6)
    expect(c.quantiles?.max).toBeCloseTo(0.5, 6)
    // 2 computed × 4 blocks + 3 cached × (F1 + B1).
    expect(s.blocksTotal).toBe(20)
    expect(s.blocksRun).toBe(14)
    expect(s.theoreticalBlockSpeedup).toBeCloseTo(20 / 14, 12)
  })
})
