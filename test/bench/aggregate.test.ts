import { describe, expect, it } from 'vitest'
import { blockTimeTheoretical, emptyAcc } from '../../src/bench/aggregate'

describe('block-time theoretical speedup', () => {
  it('prices a cached call at what its remaining blocks took against an uncached call', () => {
    const none = { ...emptyAcc(), computedCallMs: [4, 4, 5] }
    // Three cached calls at 1 ms (a quarter of an uncached call), one computed call.
    const f8b0 = { ...emptyAcc(), cachedCallMs: [1, 1, 1], computedCallMs: [4.5] }
    expect(blockTimeTheoretical(f8b0, none)).toBeCloseTo(4 / (3 * 0.25 + 1), 10)
  })

  it('is below the block-count figure when the blocks kept cost more than those skipped', () => {
    // 32 blocks, 8 kept on a cached call, but those 8 take 40 % of an uncached call's time.
    const none = { ...emptyAcc(), computedCallMs: [10] }
    const cached = { ...emptyAcc(), cachedCallMs: [4, 4], computedCallMs: [10, 10] }
    const byCount = (4 * 32) / (2 * 8 + 2 * 32)
    const byTime = blockTimeTheoretical(cached, none) as number
    expect(byTime).toBeCloseTo(4 / (2 * 0.4 + 2), 10)
    expect(byTime).toBeLessThan(byCount)
  })

  it('is null without cached calls or an uncached reference', () => {
    expect(
      blockTimeTheoretical({ ...emptyAcc(), computedCallMs: [3] }, { ...emptyAcc(), computedCallMs: [3] })
    ).toBeNull()
    expect(blockTimeTheoretical({ ...emptyAcc(), cachedCallMs: [1] }, emptyAcc())).toBeNull()
  })
})
