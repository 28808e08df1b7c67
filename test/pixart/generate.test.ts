import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { createStepCache } from '../../src/main/engine/cache/index'
import { runPixArtPipeline } from '../../src/main/engine/pipeline/pixart/generate'
import type { PixArtModel } from '../../src/main/engine/pipeline/pixart/model'
import { loadWholeGraphPixArt } from '../../src/main/engine/pipeline/pixart/whole-graph'
import { readPixArtGolden } from '../../src/main/engine/replay/pixart-golden'
import { maxAbsDiff, worstPixelLevel } from '../family-checks'

/** A generate request on PixArt-Σ: the static graph's one size, the golden's image from its noise. */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')
const hooks = { createStepCache, beforeCall: () => {} }

describe('PixArt-Σ generate (TorchScript export, whole graph)', () => {
  let model: PixArtModel
  beforeAll(async () => {
    model = await loadWholeGraphPixArt(join(FIXTURE, 'onnx'), { provider: 'cpu' })
  })
  afterAll(async () => {
    await model?.release()
  })

  it("makes the golden's image from the golden's noise, prompt, negative prompt, steps and guidance", async () => {
    const golden = await readPixArtGolden(join(FIXTURE, 'golden/pipeline_4steps'))
    const req = GenerateRequestSchema.parse({
      model: 'pixart',
      prompt: golden.prompt,
      negativePrompt: golden.negativePrompt,
      seed: 0,
      steps: golden.steps,
      guidanceScale: golden.guidanceScale
    })
    let latent: Float32Array | null = null
    const result = await runPixArtPipeline(model, req, {
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
    expect(d).toBeLessThan(1e-3)
    // 8-bit pixels of the golden image (round(x · 255)) within one level.
    expect(worstPixelLevel(result.pixels, golden.image)).toBeLessThanOrEqual(1)
  })

  it('offers only the size the static graph was exported for, and refuses a cache on the whole graph', async () => {
    const base = { model: 'pixart', prompt: 'a lighthouse', seed: 1, steps: 2 }
    await expect(
      runPixArtPipeline(model, GenerateRequestSchema.parse({ ...base, width: 64, height: 64 }), hooks)
    ).rejects.toThrow(/static and makes 32×32 images only/)
    await expect(
      runPixArtPipeline(
        model,
        GenerateRequestSchema.parse({ ...base, cache: { preset: 'F1B0', overrides: {} } }),
        hooks
      )
    ).rejects.toThrow(/cannot be cached/)
  })
})
