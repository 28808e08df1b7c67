import { describe, expect, it } from 'vitest'
import { benchSegments } from '../../src/bench/segment-bench'
import { formatBench } from '../../src/cli/commands/bench-segments'
import { fixture } from './fixtures'

describe('benchSegments', () => {
  it('times segments, blocks one by one and the whole graph on the same steps, and they agree', async () => {
    const rounds: number[] = []
    const r = await benchSegments({
      dir: fixture('tiny-p0'),
      rounds: 2,
      steps: 3,
      provider: 'cpu',
      onRound: (round) => rounds.push(round)
    })
    expect(rounds).toEqual([0, 1])
    expect(r.steps).toBe(3)
    expect(r.timings.map((t) => [t.variant, t.sessionCallsPerTransformerCall])).toEqual([
      ['segments', 1],
      ['blocks', 6],
      ['whole', 1]
    ])
    for (const t of r.timings) expect(t.medianStepMs).toBeGreaterThan(0)
    expect(r.maxLatentDiff).toBeLessThan(1e-5)
    expect(formatBench(r).join('\n')).toMatch(
      /segments vs whole graph: [+-]\d+\.\d % wall, [+-]\d+\.\d % CPU/
    )
    for (const t of r.timings) expect(t.medianCpuMs).toBeGreaterThan(0)
  })
})
