import { describe, expect, it } from 'vitest'
import { EngineFailure } from '../../src/main/engine/errors'
import type { Tensor } from '../../src/main/engine/tensor'
import { fixture, generate, loadFixture, maxAbsDiff, readReference, request } from './fixtures'

async function finalLatent(name: string, input: Parameters<typeof request>[0], noise?: number[]) {
  const model = await loadFixture(name)
  let latent: Tensor | null = null
  const result = await generate(model, request(input), {
    noise: noise ? Float32Array.from(noise) : undefined,
    onDecoded: (l) => (latent = l)
  })
  return { latent: latent as unknown as Tensor, result }
}

describe('denoising pipeline', () => {
  for (const name of ['tiny-image', 'tiny-p3', 'tiny-p5']) {
    it(`${name}: CFG as two calls and as one batched call give the same latent`, async () => {
      const ref = readReference(name)
      const base = { model: fixture(name), prompt: ref.prompt, steps: 3, guidanceScale: 4 }
      const separate = await finalLatent(name, { ...base, separateCfg: true }, ref.noise)
      const batched = await finalLatent(name, { ...base, separateCfg: false }, ref.noise)
      expect(maxAbsDiff(separate.latent.data, batched.latent.data)).toBeLessThan(1e-5)
      expect(new Set(separate.result.trace.map((t) => t.branch))).toEqual(new Set(['cond', 'uncond']))
      expect(new Set(batched.result.trace.map((t) => t.branch))).toEqual(new Set(['batched']))
      expect(batched.result.recipe.separateCfg).toBe(false)
    })
  }

  it("the cache's Separate CFG decides whether the branches run as two calls with their own contexts", async () => {
    const base = { prompt: 'a red circle', steps: 2 }
    // tiny-p3 runs CFG batched by default, tiny-image as two calls.
    const split = await finalLatent('tiny-p3', {
      ...base,
      model: fixture('tiny-p3'),
      cache: { preset: 'custom', overrides: { Fn: 1, Bn: 0, enableSeparateCfg: true } }
    })
    expect(split.result.trace.map((t) => t.branch)).toEqual(['cond', 'uncond', 'cond', 'uncond'])
    expect(split.result.summary.contexts.map((c) => c.branch).sort()).toEqual(['cond', 'uncond'])
    expect(split.result.recipe).toMatchObject({ separateCfg: true, cache: { enableSeparateCfg: true } })

    const joined = await finalLatent('tiny-image', {
      ...base,
      model: fixture('tiny-image'),
      cache: { preset: 'custom', overrides: { Fn: 1, Bn: 0, enableSeparateCfg: false } }
    })
    expect(joined.result.trace.map((t) => t.branch)).toEqual(['batched', 'batched'])
    expect(joined.result.recipe).toMatchObject({ separateCfg: false, cache: { enableSeparateCfg: false } })

    // Auto follows the model; the request's own separateCfg wins over the cache's.
    const auto = await finalLatent('tiny-p3', {
      ...base,
      model: fixture('tiny-p3'),
      cache: { preset: 'F1B0' }
    })
    expect(new Set(auto.result.trace.map((t) => t.branch))).toEqual(new Set(['batched']))
    const explicit = await finalLatent('tiny-p3', {
      ...base,
      model: fixture('tiny-p3'),
      separateCfg: false,
      cache: { preset: 'custom', overrides: { Fn: 1, Bn: 0, enableSeparateCfg: true } }
    })
    expect(explicit.result.recipe).toMatchObject({ separateCfg: false, cache: { enableSeparateCfg: false } })
  })

  it('guidance 1 runs the conditional branch only', async () => {
    const { result } = await finalLatent('tiny-p3', {
      model: fixture('tiny-p3'),
      prompt: 'a red circle',
      steps: 2,
      guidanceScale: 1
    })
    expect(result.trace.map((t) => t.branch)).toEqual(['cond', 'cond'])
  })

  it('merges the two FLUX-like lists into one cache context when the manifest says so', async () => {
    const { result } = await finalLatent('tiny-image', {
      model: fixture('tiny-image'),
      prompt: 'a',
      steps: 1
    })
    expect(result.trace.map((t) => [t.branch, t.context, t.blocksTotal])).toEqual([
      ['cond', 'transformer_blocks+single_transformer_blocks', 6],
      ['uncond', 'transformer_blocks+single_transformer_blocks', 6]
    ])
  })

  it('keeps one context per list when the cache config turns merging off, same numbers', async () => {
    const ref = readReference('tiny-image')
    const base = { model: fixture('tiny-image'), prompt: ref.prompt, steps: 2 }
    const merged = await finalLatent('tiny-image', base, ref.noise)
    const split = await finalLatent(
      'tiny-image',
      { ...base, cache: { preset: 'none', overrides: { mergeBlockLists: false } } },
      ref.noise
    )
    expect(split.result.trace.slice(0, 2).map((t) => [t.context, t.blocksTotal])).toEqual([
      ['transformer_blocks', 3],
      ['single_transformer_blocks', 3]
    ])
    expect(maxAbsDiff(merged.latent.data, split.latent.data)).toBe(0)
  })

  it('tiny-video: picks the high-noise expert for sigma > 0.5, then the low-noise one', async () => {
    const { result } = await finalLatent('tiny-video', {
      model: fixture('tiny-video'),
      prompt: 'a',
      steps: 4,
      guidanceScale: 1
    })
    expect(result.trace.map((t) => [t.transformer, Number(t.timestep.toFixed(3))])).toEqual([
      ['high_noise', 1],
      ['high_noise', 0.857],
      ['high_noise', 0.667],
      ['low_noise', 0.4]
    ])
  })

  it('runs through the F1B0 cache and reports what it skipped', async () => {
    const { result } = await finalLatent('tiny-p3', {
      model: fixture('tiny-p3'),
      prompt: 'a red circle',
      steps: 8,
      cache: { preset: 'F1B0', overrides: { maxWarmupSteps: 2, residualDiffThreshold: 1 } }
    })
    expect(result.summary.contexts.length).toBeGreaterThan(0)
    expect(result.trace.some((t) => t.cached)).toBe(true)
    expect(result.summary.blocksRun).toBeLessThan(result.summary.blocksTotal)
  })

  it('streams a decoded preview every N steps (not after the last one)', async () => {
    const model = await loadFixture('tiny-image')
    const previews: number[] = []
    await generate(model, request({ model: fixture('tiny-image'), prompt: 'a', steps: 5, previewEvery: 2 }), {
      onProgress: (e) => {
        if (e.preview) {
          expect(e.preview.pixels.length).toBe(e.preview.width * e.preview.height * 4)
          previews.push(e.step)
        }
      }
    })
    expect(previews).toEqual([1, 3])
  })

  it('checks for cancel before every session call, so a cancel stops the step it lands in', async () => {
    const model = await loadFixture('tiny-image')
    const req = request({ model: fixture('tiny-image'), prompt: 'a', steps: 1 })
    await generate(model, req) // the sessions' first runs (session preparation) are done here
    let checks = 0
    await generate(model, req, { beforeCall: () => void checks++ })
    // segment preparation + step start + (embed + blocks [0,6) + final as one graph) × cond and uncond + decode
    expect(checks).toBe(1 + 1 + 2 * 1 + 1)
    let calls = 0
    const stop = generate(model, req, {
      beforeCall: () => {
        if (++calls === 4) throw new EngineFailure('cancelled', 'generation cancelled')
      }
    })
    await expect(stop).rejects.toMatchObject({ code: 'cancelled' })
    expect(calls).toBe(4)
  })
})
