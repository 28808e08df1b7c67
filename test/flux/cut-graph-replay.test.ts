import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import type { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import type { FluxModel } from '../../src/main/engine/pipeline/flux/model'
import { loadWholeGraphFlux } from '../../src/main/engine/pipeline/flux/whole-graph'
import { readGolden } from '../../src/main/engine/replay/golden'
import { replayFlux } from '../../src/main/engine/replay/replay'
import { FLUX_GRAPH } from '../../src/main/engine/import/cut-transformer'
import { cutWithSpec } from '../cut-transformer'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')

/** Each export of the flux-tiny transformer, and how close its final latents must come (fp32 1e-4, fp16 5e-2). */
const TRANSFORMERS = [
  { name: 'TorchScript', file: 'onnx/transformer/model.onnx', tolerance: 1e-4 },
  { name: 'dynamo', file: 'onnx-dynamo/transformer/model.onnx', tolerance: 1e-4 },
  {
    name: 'fp16 (model.half(), fp16 inputs)',
    file: 'onnx-variants/transformer-fp16/model.onnx',
    tolerance: 5e-2
  },
  {
    name: "fp16 (onnxruntime's converter, fp32 inputs)",
    file: 'onnx-variants/transformer-fp16-ort-converted/model.onnx',
    tolerance: 5e-2
  }
]

for (const variant of TRANSFORMERS) {
  describe(`FLUX replay, transformer cut into blocks, through the step cache: flux-tiny ${variant.name}`, () => {
    let model: FluxModel
    let transformer: LoadedTransformer
    beforeAll(async () => {
      const whole = await loadWholeGraphFlux(join(FLUX, 'onnx'), { provider: 'cpu' })
      transformer = await cutWithSpec(join(FLUX, variant.file), FLUX_GRAPH)
      // The folder's encoders and VAE, the cut transformer in place of the whole graph.
      model = {
        ...whole,
        transformers: [transformer],
        transformerFor: () => transformer,
        call: undefined,
        cacheable: true
      }
    })
    afterAll(async () => {
      await transformer?.release()
      await model?.release()
    })

    it(`pipeline_4steps: final latents within ${variant.tolerance} of diffusers`, async () => {
      const { runs } = await replayFlux(model, await readGolden(join(FLUX, 'golden/pipeline_4steps')), {
        createStepCache
      })
      console.log(
        `${variant.name}: latents ${runs[0].latentMaxAbsDiff.toExponential(2)}, image ${runs[0].imageMaxAbsDiff?.toExponential(2)}`
      )
      expect(runs[0].latentMaxAbsDiff).toBeLessThan(variant.tolerance)
      expect(runs[0].imageMaxAbsDiff).toBeLessThan(variant.tolerance)
    })

    it("dbcache_10steps at both thresholds: CacheDiT's cached steps exactly, final latents within tolerance", async () => {
      const { runs } = await replayFlux(model, await readGolden(join(FLUX, 'golden/dbcache_10steps')), {
        createStepCache
      })
      expect(runs.map((r) => r.name)).toEqual(['uncached', 'cached_0', 'cached_1'])
      for (const run of runs) {
        console.log(
          `${variant.name} ${run.name}: latents ${run.latentMaxAbsDiff.toExponential(2)}, cached ${JSON.stringify(run.contexts.map((c) => c.cachedSteps))}`
        )
        expect(run.latentMaxAbsDiff).toBeLessThan(variant.tolerance)
        if (run.name === 'uncached') continue
        // One context over both lists, as CacheDiT's Flux adapter caches them.
        expect(run.contexts).toHaveLength(1)
        const [ours] = run.contexts
        const [ref] = run.reference.contexts
        expect(ours.branch).toBe('cond')
        expect(ours.cachedSteps).toEqual(ref.cachedSteps)
        expect(Object.keys(ours.residualDiffs).sort()).toEqual(Object.keys(ref.residualDiffs).sort())
        for (const [step, diff] of Object.entries(ref.residualDiffs))
          expect(Math.abs(ours.residualDiffs[step] - diff)).toBeLessThan(variant.tolerance)
      }
      expect(runs[1].contexts[0].cachedSteps).toEqual([1, 6, 8])
      expect(runs[2].contexts[0].cachedSteps).toEqual([1, 6])
    })
  })
}
