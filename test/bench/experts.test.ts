import { describe, expect, it } from 'vitest'
import { expertRuns } from '../../src/bench/experts'
import type { GenerationResult } from '../../src/shared/generation'
import type { StepTrace } from '../../src/shared/trace'

/** The per-transformer split of one generation (experts.ts): pure, no model needed. */

function trace(step: number, transformer: string, over: Partial<StepTrace> = {}): StepTrace {
  return {
    step,
    timestep: 1 - step / 10,
    branch: 'cond',
    transformer,
    context: 'blocks',
    distance: null,
    threshold: 0.12,
    cached: false,
    reason: 'warmup',
    blocksRun: 6,
    blocksTotal: 6,
    ms: 10,
    ...over
  }
}

function result(traces: StepTrace[], perStepMs: number[]): GenerationResult {
  return { trace: traces, timings: { perStepMs } } as unknown as GenerationResult
}

describe('expertRuns', () => {
  it("gives each step's wall time to the expert it called, with its blocks and cached decisions", () => {
    const runs = expertRuns(
      result(
        [
          trace(0, 'transformer'),
          trace(0, 'transformer', { branch: 'uncond' }),
          trace(1, 'transformer_2'),
          trace(1, 'transformer_2', { branch: 'uncond', cached: true, reason: 'similar', blocksRun: 1 })
        ],
        [30, 20]
      ),
      ['transformer', 'transformer_2']
    )
    expect(runs).toEqual([
      {
        transformer: 'transformer',
        steps: 1,
        decisions: 2,
        cachedDecisions: 0,
        blocksRun: 12,
        blocksTotal: 12,
        ms: 30
      },
      {
        transformer: 'transformer_2',
        steps: 1,
        decisions: 2,
        cachedDecisions: 1,
        blocksRun: 7,
        blocksTotal: 12,
        ms: 20
      }
    ])
  })

  it('splits a step that called two transformers by their block time; lists an expert never called', () => {
    const runs = expertRuns(result([trace(0, 'a', { ms: 30 }), trace(0, 'b', { ms: 10 })], [80]), [
      'a',
      'b',
      'c'
    ])
    expect(runs.map((r) => [r.transformer, r.steps, r.ms])).toEqual([
      ['a', 1, 60],
      ['b', 1, 20],
      ['c', 0, 0]
    ])
  })

  it('BAD INPUT - a trace step without a step time is refused, not counted as free', () => {
    expect(() => expertRuns(result([trace(2, 'a')], [10, 10]), ['a'])).toThrow(
      'the trace names step 2, the timings have 2'
    )
  })
})
