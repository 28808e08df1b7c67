import { resolve } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { CfgPairer } from '../../src/main/engine/model/cfg-pairing'
import type { Tensor } from '../../src/main/engine/tensor'
import type { StepTrace } from '../../src/shared/trace'
import { cfgGeneration, maxAbsDiff } from './fixtures'

/**
 * CFG batched into one call (model/cfg-pairing.ts): the cond and uncond calls of a step share a
 * batch-2 session call wherever both run the same blocks, and each branch's cache decides on its
 * own rows. The decisions must be the separate calls' and the numbers theirs within rounding.
 */

const SEPARATE = { tuning: { intraOpThreads: 1, cfgLanes: 1 as const } }
const PAIRED = { tuning: { intraOpThreads: 1, cfgLanes: 1 as const, cfgBatch: true } }

const run = (name: string, tuning: typeof SEPARATE | typeof PAIRED, preset: string, steps: number) =>
  cfgGeneration(name, tuning, preset, steps)

const decisions = (ts: readonly StepTrace[]) =>
  ts
    .map(({ step, branch, context, cached, blocksRun }) => ({ step, branch, context, cached, blocksRun }))
    .sort((a, b) => a.step - b.step || a.branch.localeCompare(b.branch) || a.context.localeCompare(b.context))

const SHAPES = resolve(__dirname, '../../resources/models/shapes-flux-tiny')

describe('CFG batched into one call', () => {
  for (const [name, preset, steps] of [
    ['tiny-image', 'none', 6],
    ['tiny-image', 'eager', 6],
    [SHAPES, 'F8B0', 16]
  ] as const) {
    it(`${name.split('/').pop()} ${preset}: the same decisions as two calls, the latent within 1e-4, and shared session calls`, async () => {
      const separate = await run(name, SEPARATE, preset, steps)
      const spy = vi.spyOn(CfgPairer.prototype, 'finish')
      const paired = await run(name, PAIRED, preset, steps)
      const pairers = [...new Set(spy.mock.contexts as CfgPairer[])]
      spy.mockRestore()
      expect(pairers).toHaveLength(steps)
      expect(pairers.reduce((n, x) => n + x.counts.paired, 0)).toBeGreaterThan(0)
      // The caching presets cover cached calls (Bn blocks and the final graph after the pairer).
      if (preset !== 'none') expect(paired.drained.some((x) => x.cached)).toBe(true)
      expect(decisions(paired.drained)).toEqual(decisions(separate.drained))
      expect(maxAbsDiff(paired.latent.data, separate.latent.data)).toBeLessThan(1e-4)
    })
  }

  it('runs a shared range once at batch 2 and a parted one alone, each branch getting its own rows', async () => {
    const calls: number[] = []
    const session = (rows: number) => ({
      local: {
        inputs: [{ name: 'x', type: 'float32', shape: [rows, 2] }],
        outputs: [{ name: 'y', type: 'float32', shape: [rows, 2] }],
        runMixed: async (feeds: Record<string, { data: Float32Array; dims: number[] }>) => {
          calls.push(rows)
          const x = feeds.x
          return { y: { data: x.data.map((v) => v * 10), dims: x.dims } }
        }
      },
      lane: null,
      warm: [true, true] as [boolean, boolean]
    })
    const one = session(1) as never
    const two = session(2) as never
    const pairer = new CfgPairer()
    const t = (a: number, b: number) => ({ x: { data: Float32Array.of(a, b), dims: [1, 2] } })
    const [p, q] = await Promise.all([
      pairer.run(0, 'k', one, async () => two, t(1, 2)),
      pairer.run(1, 'k', one, async () => two, t(3, 4))
    ])
    expect(calls).toEqual([2])
    expect(Array.from((p.y as Tensor).data)).toEqual([10, 20])
    expect(Array.from((q.y as Tensor).data)).toEqual([30, 40])
    const [r, s] = await Promise.all([
      pairer.run(0, 'k', one, async () => two, t(1, 1)),
      pairer.run(1, 'other', one, async () => two, t(2, 2))
    ])
    expect(calls).toEqual([2, 1, 1])
    expect(Array.from((r.y as Tensor).data)).toEqual([10, 10])
    expect(Array.from((s.y as Tensor).data)).toEqual([20, 20])
    pairer.finish(1)
    const alone = await pairer.run(0, 'k', one, async () => two, t(5, 5))
    expect(Array.from((alone.y as Tensor).data)).toEqual([50, 50])
    expect(pairer.counts).toEqual({ paired: 1, alone: 3 })
  })

  it('EXPECTED: a batch-2 segment that fails to compile leaves each branch to run alone, with its own rows', async () => {
    const one = {
      local: {
        inputs: [{ name: 'x', type: 'float32', shape: [1, 1] }],
        outputs: [{ name: 'y', type: 'float32', shape: [1, 1] }],
        runMixed: async (feeds: Record<string, Tensor>) => ({ y: feeds.x })
      },
      lane: null,
      warm: [true, true]
    } as never
    const pairer = new CfgPairer()
    const broken = async () => {
      throw new Error('cannot compile')
    }
    const x = (v: number) => ({ x: { data: Float32Array.of(v), dims: [1, 1] } })
    const [p, q] = await Promise.all([
      pairer.run(0, 'k', one, broken, x(1)),
      pairer.run(1, 'k', one, broken, x(2))
    ])
    expect([(p.y as Tensor).data[0], (q.y as Tensor).data[0]]).toEqual([1, 2])
    expect(pairer.counts).toEqual({ paired: 0, alone: 2 })
  })

  it('EXPECTED: a branch that runs after it finished is an error, not a hang', () => {
    const pairer = new CfgPairer()
    pairer.finish(0)
    expect(() => pairer.run(0, 'k', null as never, async () => null as never, {})).toThrow(
      /after it finished/
    )
  })
})
