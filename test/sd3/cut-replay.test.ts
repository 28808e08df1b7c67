import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { SD3_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import { flowMatchStepsSchedule } from '../../src/main/engine/pipeline/flow-match'
import { sd3Denoise } from '../../src/main/engine/pipeline/sd3/denoise'
import { loadSd3Model } from '../../src/main/engine/pipeline/sd3/load'
import type { Sd3Model } from '../../src/main/engine/pipeline/sd3/model'
import { replaySd3 } from '../../src/main/engine/replay/sd3'
import { readSd3Golden } from '../../src/main/engine/replay/sd3-golden'
import type { StepTrace } from '../../src/shared/trace'
import { CacheConfigSchema } from '../../src/shared/cache-config'
import { cutWithSpec } from '../cut-transformer'

/**
 * The SD3 pipeline on its transformer cut into blocks by the importer (SD3_GRAPH, in memory):
 * the golden's 4-step run through the step cache with caching off, and a cached run where the
 * CFG batch [uncond, cond] is one call in one cache context (branch 'batched'), as CacheDiT caches it.
 */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const GOLDEN = join(SD3, 'golden/pipeline_4steps')

for (const exportDir of ['onnx', 'onnx-dynamo']) {
  describe(`SD3 on cut transformer graphs (${exportDir})`, () => {
    let whole: Sd3Model
    let cut: Sd3Model
    beforeAll(async () => {
      whole = await loadSd3Model(join(SD3, exportDir), { provider: 'cpu' })
      const transformer = await cutWithSpec(join(SD3, exportDir, 'transformer/model.onnx'), SD3_GRAPH)
      cut = { ...whole, transformer, call: undefined, cacheable: true }
    })
    afterAll(async () => {
      await whole.release()
    })

    it('replays pipeline_4steps through the blocks: final latents within 1e-4, image within 1e-3', async () => {
      const r = await replaySd3(cut, await readSd3Golden(GOLDEN), { createStepCache })
      expect(r.runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(r.runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
    })

    it("a cached run decides once per step for the whole CFG batch (branch 'batched'), Fn = 1 blocks run on cached steps", async () => {
      const golden = await readSd3Golden(GOLDEN)
      const cache = CacheConfigSchema.parse({
        enabled: true,
        Fn: 1,
        Bn: 0,
        residualDiffThreshold: 10,
        maxWarmupSteps: 1,
        mergeBlockLists: false,
        enableSeparateCfg: false
      })
      const traces: StepTrace[] = []
      const { latent } = await sd3Denoise(
        cut,
        {
          ...golden.embeds,
          noise: golden.initialLatents,
          schedule: flowMatchStepsSchedule(cut.configs.scheduler, 4),
          guidanceScale: golden.guidanceScale,
          cache
        },
        { createStepCache, beforeCall: () => undefined, onStep: (r) => void traces.push(...r.traces) }
      )
      expect(traces.map((t) => t.step)).toEqual([0, 1, 2, 3])
      expect(new Set(traces.map((t) => t.branch))).toEqual(new Set(['batched']))
      expect(traces.map((t) => t.cached)).toEqual([false, true, true, true])
      expect(traces[1].blocksRun).toBe(1)
      expect(traces[1].blocksTotal).toBe(6)
      expect(latent.dims).toEqual([1, 4, 16, 16])
      for (const v of latent.data) expect(Number.isFinite(v)).toBe(true)
    })
  })
}
