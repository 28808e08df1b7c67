import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerateRequestSchema, type ProgressEvent } from '../../src/shared/generation'
import { createStepCache } from '../../src/main/engine/cache/index'
import { SD3_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import { runSd3Pipeline } from '../../src/main/engine/pipeline/sd3/generate'
import { loadSd3Model } from '../../src/main/engine/pipeline/sd3/load'
import type { Sd3Model } from '../../src/main/engine/pipeline/sd3/model'
import { readSd3Golden } from '../../src/main/engine/replay/sd3-golden'
import { cutWithSpec } from '../cut-transformer'
import { maxAbsDiff, worstPixelLevel } from '../family-checks'

/** A generate request on SD3: the golden's image from its noise; sizes the position embedding covers. */

const FIXTURE = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const hooks = { createStepCache, beforeCall: () => {} }

describe('SD3 generate (TorchScript export)', () => {
  let model: Sd3Model
  beforeAll(async () => {
    model = await loadSd3Model(join(FIXTURE, 'onnx'), { provider: 'cpu' })
  })
  afterAll(async () => {
    await model?.release()
  })

  it("makes the golden's image from the golden's noise, prompt, negative prompt, steps and guidance", async () => {
    const golden = await readSd3Golden(join(FIXTURE, 'golden/pipeline_4steps'))
    const req = GenerateRequestSchema.parse({
      model: 'sd3',
      prompt: golden.prompt,
      negativePrompt: golden.negativePrompt,
      seed: 0,
      steps: golden.steps,
      guidanceScale: golden.guidanceScale,
      width: 32,
      height: 32
    })
    // The golden's T5 length is 16, the model's default 256: pad T5 as the golden did.
    const sized = { ...model, defaults: { ...model.defaults, maxSequenceLength: golden.maxSequenceLength } }
    let latent: Float32Array | null = null
    const result = await runSd3Pipeline(sized, req, {
      ...hooks,
      noise: golden.initialLatents.data,
      onDecoded: (l) => (latent = Float32Array.from(l.data))
    })
    expect(result.width).toBe(32)
    expect(result.height).toBe(32)
    expect(result.files[0].name).toBe('image.png')
    expect(result.recipe.separateCfg).toBe(false)
    expect(result.timings.perStepMs).toHaveLength(4)
    const d = maxAbsDiff(latent as unknown as Float32Array, golden.finalLatents.data)
    expect(d).toBeLessThan(1e-4)
    expect(worstPixelLevel(result.pixels, golden.image)).toBeLessThanOrEqual(1)
  })

  it('sends one progress event per step, with a decoded preview every previewEvery steps but never after the last', async () => {
    const req = GenerateRequestSchema.parse({
      model: 'sd3',
      prompt: 'a lighthouse',
      seed: 3,
      steps: 4,
      width: 24,
      height: 40,
      previewEvery: 2
    })
    const events: ProgressEvent[] = []
    const r = await runSd3Pipeline(model, req, { ...hooks, onProgress: (e) => events.push(e) })
    expect(events.map((e) => [e.step, e.totalSteps])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4]
    ])
    // Step 1 (the 2nd) has a preview; step 3 is the last, so the result itself follows.
    expect(events.map((e) => e.preview !== undefined)).toEqual([false, true, false, false])
    const preview = events[1].preview!
    expect([preview.width, preview.height, preview.pixels.length]).toEqual([24, 40, 24 * 40 * 4])
    expect(r.timings.perStepMs).toHaveLength(4)
    expect(r.timings.denoiseMs).toBeCloseTo(
      r.timings.perStepMs.reduce((a, b) => a + b, 0),
      6
    )
  })

  it('sizes: multiples of 4 (VAE 2 × patch 2) up to 48 (pos_embed_max_size 12 × patch 2 × VAE 2); others refused by name', async () => {
    expect(model.sizes).toEqual({ multipleOf: 4, max: 48 })
    const base = { model: 'sd3', prompt: 'a lighthouse', seed: 1, steps: 1 }
    await expect(
      runSd3Pipeline(model, GenerateRequestSchema.parse({ ...base, width: 30, height: 32 }), hooks)
    ).rejects.toThrow(/width 30: .* multiples of 4 up to 48/)
    await expect(
      runSd3Pipeline(model, GenerateRequestSchema.parse({ ...base, width: 32, height: 52 }), hooks)
    ).rejects.toThrow(/height 52/)
    const r = await runSd3Pipeline(
      model,
      GenerateRequestSchema.parse({ ...base, width: 24, height: 40 }),
      hooks
    )
    expect([r.width, r.height]).toEqual([24, 40])
  })

  it('with a cut transformer the cache preset runs: cached steps traced in one batched context', async () => {
    const transformer = await cutWithSpec(join(FIXTURE, 'onnx/transformer/model.onnx'), SD3_GRAPH)
    const cut = { ...model, transformer, call: undefined, cacheable: true }
    const req = GenerateRequestSchema.parse({
      model: 'sd3',
      prompt: 'a lighthouse',
      seed: 3,
      steps: 6,
      guidanceScale: 5,
      width: 32,
      height: 32,
      cache: {
        preset: 'none',
        overrides: { enabled: true, Fn: 1, Bn: 0, residualDiffThreshold: 10, maxWarmupSteps: 2 }
      }
    })
    const r = await runSd3Pipeline(cut, req, hooks)
    expect(r.trace.map((t) => t.branch)).toEqual(new Array(6).fill('batched'))
    expect(r.trace.filter((t) => t.cached).map((t) => t.step)).toEqual([2, 3, 4, 5])
  })
})
