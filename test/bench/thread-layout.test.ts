import { describe, expect, it } from 'vitest'
import {
  candidateLayouts,
  layoutLabel,
  measureLayouts,
  ThreadLayoutSchema
} from '../../src/bench/thread-layout'
import { parseVariants } from '../../src/bench/variants'
import { fixture } from '../engine/fixtures'

describe('thread layouts', () => {
  it('tries one lane with 1..cores threads, two lanes splitting the cores and CFG batched on one thread', () => {
    expect(candidateLayouts(2).map(layoutLabel)).toEqual([
      '1 lane × 1 thread',
      '1 lane × 2 threads',
      '2 lanes × 1 thread',
      '1 lane × 1 thread, CFG batched'
    ])
    expect(candidateLayouts(1).map(layoutLabel)).toEqual([
      '1 lane × 1 thread',
      '1 lane × 1 thread, CFG batched'
    ])
    // CFG as one batched call (lanes false) neither splits nor pairs its calls.
    expect(candidateLayouts(2, false, false).map(layoutLabel)).toEqual([
      '1 lane × 1 thread',
      '1 lane × 2 threads'
    ])
    expect(candidateLayouts(4, true).every((l) => ThreadLayoutSchema.parse(l).spinning)).toBe(true)
  })

  it('measures every layout interleaved and names the fastest of them', async () => {
    const layouts = candidateLayouts(2).filter((l) => l.intraOpThreads === 1)
    const lines: string[] = []
    const m = await measureLayouts({
      dir: fixture('tiny-image'),
      provider: 'cpu',
      layouts,
      variant: parseVariants('none')[0],
      input: { prompt: 'a red circle', seed: 0, steps: 2 },
      rounds: 2,
      onRound: (l) => void lines.push(l)
    })
    expect(m.figures.map((f) => f.layout)).toEqual(layouts)
    expect(m.figures[0].speedupVsFirst).toBe(1)
    expect(m.figures.every((f) => f.msPerStep > 0 && f.cpuMsPerStep > 0)).toBe(true)
    const fastest = Math.min(...m.figures.map((f) => f.msPerStep))
    expect(m.figures.find((f) => f.layout === m.best)?.msPerStep).toBe(fastest)
    expect(lines).toHaveLength(2)
  })
})
