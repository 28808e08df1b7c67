import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import type { LoadedTransformer } from '../../src/main/engine/model/loaded-model'
import type { FluxModel } from '../../src/main/engine/pipeline/flux/model'
import { loadWholeGraphFlux } from '../../src/main/engine/pipeline/flux/whole-graph'
import { readGolden } from '../../src/main/engine/replay/golden'
import { replayFlux } from '../../src/main/engine/replay/replay'
import { cutFluxTransformer } from './cut-transformer'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')

describe('FLUX replay on the transformer cut into blocks, through the step cache (flux-tiny, TorchScript export)', () => {
  let model: FluxModel
  let transformer: LoadedTransformer
  beforeAll(async () => {
    const whole = await loadWholeGraphFlux(join(FLUX, 'onnx'), { provider: 'cpu' })
    transformer = await cutFluxTransformer(join(FLUX, 'onnx/transformer/model.onnx'))
    // The encoders and VAE of the folder, the cut transformer in place of the whole graph.
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

  it('pipeline_4steps: final latents and image within 1e-4 of diffusers', async () => {
    const { runs } = await replayFlux(model, await readGolden(join(FLUX, 'golden/pipeline_4steps')), {
      createStepCache
    })
    console.log(
      `cut graphs: latents ${runs[0].latentMaxAbsDiff.toExponential(2)}, image ${runs[0].imageMaxAbsDiff?.toExponential(2)}`
    )
    expect(runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
    expect(runs[0].imageMaxAbsDiff).toBeLessThan(1e-4)
  })

  it("dbcache_10steps at both thresholds: CacheDiT's cached steps exactly, its residual diffs and final latents within 1e-4", async () => {
    const { runs } = await replayFlux(model, await readGolden(join(FLUX, 'golden/dbcache_10steps')), {
      createStepCache
    })
    expect(runs.map((r) => r.name)).toEqual(['uncached', 'cached_0', 'cached_1'])
    for (const run of runs) {
      console.log(
        `${run.name}: latents ${run.latentMaxAbsDiff.toExponential(2)}, cached ${JSON.stringify(run.contexts.map((c) => c.cachedSteps))}`
      )
      expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
      if (run.name === 'uncached') continue
      // One context over both lists, as CacheDiT's Flux adapter caches them.
      expect(run.contexts).toHaveLength(1)
      const [ours] = run.contexts
      const [ref] = run.reference.contexts
      expect(ours.branch).toBe('cond')
      expect(ours.cachedSteps).toEqual(ref.cachedSteps)
      expect(Object.keys(ours.residualDiffs).sort()).toEqual(Object.keys(ref.residualDiffs).sort())
      for (const [step, diff] of Object.entries(ref.residualDiffs))
        expect(Math.abs(ours.residualDiffs[step] - diff)).toBeLessThan(1e-4)
    }
    expect(runs[1].contexts[0].cachedSteps).toEqual([1, 6, 8])
    expect(runs[2].contexts[0].cachedSteps).toEqual([1, 6])
  })
})
