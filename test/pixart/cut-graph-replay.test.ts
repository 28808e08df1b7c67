import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigSchema } from '../../src/shared/cache-config'
import { createStepCache } from '../../src/main/engine/cache/index'
import type { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import { pixartDenoise } from '../../src/main/engine/pipeline/pixart/denoise'
import type { PixArtModel } from '../../src/main/engine/pipeline/pixart/model'
import { encodePixArtPrompts } from '../../src/main/engine/pipeline/pixart/run'
import { loadWholeGraphPixArt } from '../../src/main/engine/pipeline/pixart/whole-graph'
import { dpmSolverSchedule } from '../../src/main/engine/pipeline/schedulers/dpm-solver'
import { readPixArtGolden, type PixArtGolden } from '../../src/main/engine/replay/pixart-golden'
import { replayPixArt } from '../../src/main/engine/replay/pixart'
import { cutPixArtTransformer } from './cut-transformer'

/**
 * PixArt-Σ with its transformer cut into blocks (the importer's cut, PIXART_GRAPH: one list of
 * Pattern_3 blocks, the text states and mask bias as contexts): the golden's 4 steps through
 * callTransformer and the step cache, and a cached run that skips blocks in the batched branch.
 */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')

let golden: PixArtGolden
beforeAll(async () => {
  golden = await readPixArtGolden(join(FIXTURE, 'golden/pipeline_4steps'))
})

for (const exportDir of ['onnx', 'onnx-dynamo']) {
  describe(`pixart-sigma-tiny/${exportDir}, transformer cut into blocks`, () => {
    let model: PixArtModel
    let transformer: LoadedTransformer
    beforeAll(async () => {
      const whole = await loadWholeGraphPixArt(join(FIXTURE, exportDir), { provider: 'cpu' })
      transformer = await cutPixArtTransformer(join(FIXTURE, exportDir, 'transformer/model.onnx'))
      // The folder's T5 and VAE, the cut transformer in place of the whole graph.
      model = { ...whole, transformer, transformers: [transformer], call: undefined, cacheable: true }
    })
    afterAll(async () => {
      await transformer?.release()
      await model?.release()
    })

    it('cuts 6 transformer_blocks, Pattern_3', () => {
      const [list] = transformer.manifest.blockLists
      expect(list.name).toBe('transformer_blocks')
      expect(list.blocks).toHaveLength(6)
      expect(list.pattern).toBe('Pattern_3')
    })

    it('replays the golden through the cut graphs: latents and image within 1e-3 of diffusers', async () => {
      const [run] = (await replayPixArt(model, golden, { createStepCache })).runs
      expect(run.latentMaxAbsDiff).toBeLessThan(1e-3)
      expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
    })

    it('caches steps of the batched CFG call (F1B0, threshold above every diff)', async () => {
      const text = await encodePixArtPrompts(
        model,
        {
          cond: { ids: golden.tokenIds.cond, mask: golden.masks.cond },
          uncond: { ids: golden.tokenIds.uncond, mask: golden.masks.uncond }
        },
        () => {}
      )
      const cache = CacheConfigSchema.parse({
        enabled: true,
        Fn: 1,
        Bn: 0,
        residualDiffThreshold: 10,
        maxWarmupSteps: 1,
        mergeBlockLists: false
      })
      const { latent, stepCache } = await pixartDenoise(
        model,
        {
          ...text,
          noise: golden.initialLatents,
          schedule: dpmSolverSchedule(model.configs.scheduler, 6),
          guidanceScale: 4.5,
          width: 32,
          height: 32,
          cache
        },
        { createStepCache, beforeCall: () => {} }
      )
      const [context] = stepCache.summary().contexts
      expect(context.branch).toBe('batched')
      expect(context.context).toBe('transformer_blocks')
      expect(context.cachedSteps).toEqual([1, 2, 3, 4, 5])
      expect(latent.data.every(Number.isFinite)).toBe(true)
    })
  })
}
