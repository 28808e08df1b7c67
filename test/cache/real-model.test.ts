import { describe, expect, it } from 'vitest'
import type { CacheConfigInput } from '../../src/shared/cache-config'
import type { PresetId } from '../../src/shared/presets'
import type { GenerationResult } from '../../src/shared/generation'
import type { StepTrace } from '../../src/shared/trace'
import type { Tensor } from '../../src/main/engine/tensor'
import { ALL_FIXTURES, fixture, generate, loadFixture, maxAbsDiff, request } from '../engine/fixtures'

/**
 * Properties of the cache on the real (tiny, random-weight) fixture models, through the engine's
 * pipeline: every forward pattern (p0, image = Pattern_1 merged lists, video = Pattern_2 with two
 * experts, p3 batched CFG, p4, p5), separate and batched CFG.
 */

const STEPS = 6
const BLOCKS: Record<(typeof ALL_FIXTURES)[number], number> = {
  'tiny-image': 6, // transformer_blocks + single_transformer_blocks, merged as CacheDiT does for FLUX
  'tiny-video': 4,
  'tiny-p0': 4,
  'tiny-p3': 4,
  'tiny-p4': 4,
  'tiny-p5': 4
}

async function run(
  name: string,
  preset: PresetId,
  overrides: CacheConfigInput = {}
): Promise<{ latent: Tensor; result: GenerationResult }> {
  const model = await loadFixture(name)
  let latent: Tensor | null = null
  const result = await generate(
    model,
    request({
      model: fixture(name),
      prompt: 'a red circle at the center on a blue background',
      seed: 3,
      steps: STEPS,
      cache: { preset, overrides }
    }),
    { onDecoded: (l) => (latent = l) }
  )
  if (latent === null) throw new Error('no latent')
  return { latent, result }
}

/** Scheduler steps each (transformer, context, branch) ran, in order. */
function stepsByContext(trace: readonly StepTrace[]): Map<string, number[]> {
  const m = new Map<string, number[]>()
  for (const t of trace) {
    const key = `${t.transformer}/${t.context}/${t.branch}`
    m.set(key, [...(m.get(key) ?? []), t.step])
  }
  return m
}

function cachedByContext(r: GenerationResult): Map<string, number[]> {
  return new Map(r.summary.contexts.map((c) => [`${c.transformer}/${c.context}/${c.branch}`, c.cachedSteps]))
}

describe.each(ALL_FIXTURES)('%s with the step cache', (name) => {
  it('threshold 0 gives exactly the uncached output', async () => {
    const plain = await run(name, 'none')
    const zero = await run(name, 'custom', { Fn: 1, Bn: 1, maxWarmupSteps: 0, residualDiffThreshold: 0 })
    expect(maxAbsDiff(zero.latent.data, plain.latent.data)).toBe(0)
    expect(zero.result.trace.every((t) => !t.cached && t.reason === 'threshold_off')).toBe(true)
  })

  it('Fn = all blocks skips nothing, whatever the threshold', async () => {
    const plain = await run(name, 'none')
    const all = await run(name, 'custom', {
      Fn: BLOCKS[name],
      Bn: 0,
      maxWarmupSteps: 0,
      residualDiffThreshold: 1e9
    })
    expect(all.result.trace.every((t) => t.blocksRun === t.blocksTotal)).toBe(true)
    expect(all.result.summary.blocksRun).toBe(all.result.summary.blocksTotal)
    expect(maxAbsDiff(all.latent.data, plain.latent.data)).toBe(0)
  })

  it('TaylorSeer of order 0 is plain DBCache; order 1 changes only the cached steps', async () => {
    const base = { Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 1e9 }
    const plain = await run(name, 'custom', base)
    const order0 = await run(name, 'custom', { ...base, taylorSeer: { enabled: true, order: 0 } })
    const order1 = await run(name, 'custom', { ...base, taylorSeer: { enabled: true, order: 1 } })
    expect(maxAbsDiff(order0.latent.data, plain.latent.data)).toBe(0)
    expect(order1.result.trace.map((t) => t.cached)).toEqual(plain.result.trace.map((t) => t.cached))
    expect(maxAbsDiff(order1.latent.data, plain.latent.data)).toBeGreaterThan(0)
  })

  it('a huge threshold caches every step past warmup, within the caps', async () => {
    const W = 2
    const free = await run(name, 'custom', { Fn: 1, Bn: 1, maxWarmupSteps: W, residualDiffThreshold: 1e9 })
    const steps = stepsByContext(free.result.trace)
    expect(steps.size).toBeGreaterThan(0)
    const cached = cachedByContext(free.result)
    for (const [key, s] of steps) expect(cached.get(key), key).toEqual(s.slice(W))
    expect(free.result.summary.blocksRun).toBeLessThan(free.result.summary.blocksTotal)

    const capped = await run(name, 'custom', {
      Fn: 1,
      Bn: 1,
      maxWarmupSteps: W,
      residualDiffThreshold: 1e9,
      maxCachedSteps: 3
    })
    const cappedSteps = cachedByContext(capped.result)
    for (const [key, s] of steps) expect(cappedSteps.get(key), key).toEqual(s.slice(W, W + 3))

    const runs = await run(name, 'custom', {
      Fn: 1,
      Bn: 1,
      maxWarmupSteps: W,
      residualDiffThreshold: 1e9,
      maxContinuousCachedSteps: 2
    })
    const runSteps = cachedByContext(runs.result)
    // Past warmup: cache, cache, compute, cache, cache, compute, …
    for (const [key, s] of steps)
      expect(runSteps.get(key), key).toEqual(s.slice(W).filter((_, i) => i % 3 !== 2))
  })
})
