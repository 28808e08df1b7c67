import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { loadWholeGraphPixArt } from '../../src/main/engine/pipeline/pixart/whole-graph'
import type { PixArtModel } from '../../src/main/engine/pipeline/pixart/model'
import { readPixArtGolden, type PixArtGolden } from '../../src/main/engine/replay/pixart-golden'
import { replayPixArt } from '../../src/main/engine/replay/pixart'

/**
 * PixArtSigmaPipeline's 4-step golden through the engine's PixArt pipeline with each export's
 * transformer run whole (no cache): T5 with masks, batched CFG at the static graph's batch 2,
 * learned sigma, DPM-Solver++, VAE. Acceptance: final latents within 1e-3 (DPM-Solver's first
 * step divides by alpha ≈ 1/157), image within 1e-3.
 */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')

let golden: PixArtGolden
beforeAll(async () => {
  golden = await readPixArtGolden(join(FIXTURE, 'golden/pipeline_4steps'))
})

for (const exportDir of ['onnx', 'onnx-dynamo']) {
  describe(`pixart-sigma-tiny/${exportDir}, whole transformer graph`, () => {
    let model: PixArtModel
    beforeAll(async () => {
      model = await loadWholeGraphPixArt(join(FIXTURE, exportDir), { provider: 'cpu' })
    })
    afterAll(async () => {
      await model?.release()
    })

    it('reads the static graph: 32×32 only, CFG batch 2, 16 text tokens', () => {
      expect(model.shape.fixed).toEqual({ width: 32, height: 32 })
      expect(model.shape.fixedBatch).toBe(2)
      expect(model.shape.fixedTextLength).toBe(16)
      expect(model.defaults.maxSequenceLength).toBe(16)
    })

    it('replays the golden: the tokenizer gives its ids and masks, latents and image within 1e-3', async () => {
      const result = await replayPixArt(model, golden, { createStepCache })
      expect(result.checks.tokenIdsMatch).toBe(true)
      expect(result.checks.sigmaMaxAbsDiff).toBeLessThan(2e-5)
      const [run] = result.runs
      expect(run.latentMaxAbsDiff).toBeLessThan(1e-3)
      expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
    })
  })
}
