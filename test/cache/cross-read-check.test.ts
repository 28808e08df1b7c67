import { describe, expect, it } from 'vitest'
import { checkBlockBudget, CacheConfigSchema, type CacheConfigInput } from '../../src/shared/cache-config'
import {
  contextCrossReads,
  CrossBlockReadSchema,
  type CrossReadLayout
} from '../../src/shared/cross-block-reads'

/**
 * The check that refuses the cache configs an imported model's cross-block reads cannot run
 * under (shared/cross-block-reads.ts): which ranges the engine compiles for a config, and which
 * of them hold both ends of a read. The engine-level test with a real graph is
 * test/import/cross-block-reads.test.ts.
 */

const c = (x: CacheConfigInput) => CacheConfigSchema.parse(x)
/** Block 5 of a 12-block list reads what block 2 made. */
const layout = (over: Partial<CrossReadLayout> = {}): CrossReadLayout => ({
  reads: [{ tensor: 'x', from: 2, to: 5, fromName: 'blocks.2', toName: 'blocks.5' }],
  perBlock: false,
  maxSegmentBlocks: 40,
  ...over
})
const check = (x: CacheConfigInput, l = layout()) => checkBlockBudget(c(x), 12, 't/blocks', l)
const line = 'in t/blocks, block 5 (blocks.5) reads "x" made in block 2 (blocks.2)'

describe('cache configs against a cross-block read', () => {
  it('runs every config that keeps both blocks in one range: off, both front, both middle, both back', () => {
    expect(check({ enabled: false })).toBeNull()
    expect(check({ Fn: 6, Bn: 0 })).toBeNull()
    expect(check({ Fn: 1, Bn: 6 })).toBeNull()
    expect(check({ Fn: 2, Bn: 6 })).toBeNull()
    expect(check({ Fn: 1, Bn: 10 })).toBeNull()
    expect(check({ Fn: 1, Bn: 0, taylorSeer: { enabled: true } })).toBeNull()
  })

  it('refuses a reader in the back whose producer is in the skipped middle', () => {
    expect(check({ Fn: 1, Bn: 7 })).toBe(`${line}, which this config skips on cached steps`)
    expect(check({ Fn: 2, Bn: 7 })).toBe(`${line}, which this config skips on cached steps`)
  })

  it('refuses producer and reader in different ranges, naming both', () => {
    expect(check({ Fn: 3, Bn: 0 })).toBe(
      `${line}, which this config runs in another compiled range (blocks [0, 3), the reader [3, 12)): a range cannot hand it to another`
    )
    expect(check({ Fn: 3, Bn: 9 })).toMatch(/blocks \[0, 3\), the reader \[3, 12\)/)
  })

  it('refuses a read across pieces of one range, and one session per block whatever the config', () => {
    expect(check({ enabled: false }, layout({ maxSegmentBlocks: 4 }))).toBe(
      `${line}, which falls in another piece of its range (compiled in pieces of at most 4 blocks): a piece cannot hand it to another`
    )
    // [1, 12) in pieces of 4 from block 1: [1, 5), [5, 9), …: blocks 2 and 5 part.
    expect(check({ Fn: 1, Bn: 0 }, layout({ maxSegmentBlocks: 4 }))).toMatch(/another piece/)
    expect(check({ Fn: 2, Bn: 0 }, layout({ maxSegmentBlocks: 4 }))).toBeNull()
    expect(check({ enabled: false }, layout({ perBlock: true }))).toBe(
      `${line}, and one session per block cannot hand it over`
    )
  })

  it('checks Fn + Bn first, and a model without reads only for them', () => {
    expect(check({ Fn: 13 })).toBe('Fn = 13 exceeds the 12 blocks of t/blocks')
    expect(checkBlockBudget(c({ Fn: 3, Bn: 3 }), 12, 't/blocks', layout({ reads: [] }))).toBeNull()
    expect(checkBlockBudget(c({ Fn: 3, Bn: 3 }), 12, 't/blocks')).toBeNull()
  })
})

describe('cross-block reads in a context', () => {
  const reads = [
    { tensor: 'x', list: 'single', from: 0, to: 3 },
    { tensor: 'y', list: 'double', from: 0, to: 2 }
  ]
  const lists = [
    { name: 'double', blocks: 3 },
    { name: 'single', blocks: 4 }
  ]

  it('merged lists count on across the lists; separate contexts count each list from 0', () => {
    expect(contextCrossReads(lists, true, reads)).toEqual([
      [
        { tensor: 'x', from: 3, to: 6, fromName: 'single.0', toName: 'single.3' },
        { tensor: 'y', from: 0, to: 2, fromName: 'double.0', toName: 'double.2' }
      ]
    ])
    expect(contextCrossReads(lists, false, reads)).toEqual([
      [{ tensor: 'y', from: 0, to: 2, fromName: 'double.0', toName: 'double.2' }],
      [{ tensor: 'x', from: 0, to: 3, fromName: 'single.0', toName: 'single.3' }]
    ])
  })

  it('a manifest entry reads after it is made', () => {
    expect(CrossBlockReadSchema.safeParse({ tensor: 'x', list: 'l', from: 2, to: 2 }).success).toBe(false)
    expect(CrossBlockReadSchema.safeParse({ tensor: 'x', list: 'l', from: 1, to: 2 }).success).toBe(true)
  })
})
