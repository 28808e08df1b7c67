import { describe, expect, it, vi } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { chooseLayout, tuningFor } from '../../src/main/engine/layout-choice'
import { LaneSession } from '../../src/main/engine/model/session-lane'
import { branchesIndependent } from '../../src/main/engine/pipeline/denoise'
import type { StepTrace } from '../../src/shared/trace'
import { resolveCacheConfig } from '../../src/shared/presets'
import { cfgGeneration, loadFixture } from './fixtures'

/**
 * CFG parallelism (docs/engine.md, "CFG parallelism"): with two session lanes the uncond call runs
 * in the lane's thread beside the cond call. Each branch keeps its own cache context, so every
 * decision and every number must be those of the sequential run.
 */

const SEQUENTIAL = { tuning: { intraOpThreads: 1, cfgLanes: 1 as const } }
const PARALLEL = { tuning: { intraOpThreads: 1, cfgLanes: 2 as const } }

const run = (lanes: typeof SEQUENTIAL | typeof PARALLEL, preset: string) =>
  cfgGeneration('tiny-image', lanes, preset)

/** A trace without its wall time, in (step, branch) order. */
const decisions = (ts: readonly StepTrace[]) =>
  ts
    .map(({ ms: _ms, ...rest }) => rest)
    .sort((a, b) => a.step - b.step || a.branch.localeCompare(b.branch) || a.context.localeCompare(b.context))

describe('CFG parallelism', () => {
  for (const preset of ['none', 'F1B0', 'eager']) {
    it(`${preset}: two lanes give the sequential run's latent bit for bit and the same decisions`, async () => {
      const sequential = await run(SEQUENTIAL, preset)
      const spy = vi.spyOn(LaneSession.prototype, 'runMixed')
      const parallel = await run(PARALLEL, preset)
      // The uncond branch really ran in the lane: one lane call per uncond segment call at least.
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(6)
      spy.mockRestore()
      expect(Array.from(parallel.latent.data)).toEqual(Array.from(sequential.latent.data))
      expect(decisions(parallel.result.trace)).toEqual(decisions(sequential.result.trace))
      const cached = parallel.result.trace.filter((t) => t.cached).length
      expect(cached).toBe(sequential.result.trace.filter((t) => t.cached).length)
      if (preset === 'eager') expect(cached).toBeGreaterThan(2)
      // Progress events list a step's traces in the sequential order, cond before uncond.
      expect(parallel.drained.map((t) => `${t.step}:${t.branch}`)).toEqual(
        sequential.drained.map((t) => `${t.step}:${t.branch}`)
      )
    })
  }

  it('the auto layout of a separate-CFG model on 2 cores runs in lanes and gives the 1-lane latent bit for bit', async () => {
    const separateCfg = (await loadFixture('tiny-image', SEQUENTIAL)).manifest.defaults.separateCfg
    const choice = chooseLayout({ tuning: { intraOpThreads: 0 }, stored: null, separateCfg, cores: 2 })
    expect(choice).toEqual({ intraOpThreads: 1, cfgLanes: 2, source: 'default' })
    const auto = { tuning: tuningFor(choice, { intraOpThreads: 0 }) } as typeof PARALLEL
    const sequential = await run(SEQUENTIAL, 'F1B0')
    const spy = vi.spyOn(LaneSession.prototype, 'runMixed')
    const parallel = await run(auto, 'F1B0')
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(6)
    spy.mockRestore()
    expect(Array.from(parallel.latent.data)).toEqual(Array.from(sequential.latent.data))
  })

  it('runs the branches one after the other where the cache lets one read the other', () => {
    expect(branchesIndependent(createStepCache(resolveCacheConfig('F8B0')))).toBe(true)
    expect(branchesIndependent(createStepCache(resolveCacheConfig('none')))).toBe(true)
    const shared = resolveCacheConfig('F8B0', { cfgDiffComputeSeparate: false })
    expect(branchesIndependent(createStepCache(shared))).toBe(false)
    const refresh = resolveCacheConfig('F8B0', { forceRefreshStepHint: 3 })
    expect(branchesIndependent(createStepCache(refresh))).toBe(false)
  })
})
