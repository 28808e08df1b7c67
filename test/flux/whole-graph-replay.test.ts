import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import type { FluxModel } from '../../src/main/engine/pipeline/flux/model'
import { loadWholeGraphFlux } from '../../src/main/engine/pipeline/flux/whole-graph'
import { readGolden } from '../../src/main/engine/replay/golden'
import { replayFlux } from '../../src/main/engine/replay/replay'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')

describe('FLUX pipeline on the whole transformer graph vs diffusers (flux-tiny pipeline_4steps)', () => {
  let model: FluxModel
  beforeAll(async () => {
    model = await loadWholeGraphFlux(join(FLUX, 'onnx'), { provider: 'cpu' })
  })
  afterAll(() => model?.release())

  it('tokens, schedule, final latents and image match the golden within 1e-4', async () => {
    const golden = await readGolden(join(FLUX, 'golden/pipeline_4steps'))
    const { runs, checks } = await replayFlux(model, golden, { createStepCache })
    expect(checks.tokenIdsMatch).toBe(true)
    expect(checks.sigmaMaxAbsDiff).toBe(0)
    expect(runs).toHaveLength(1)
    const [run] = runs
    console.log(
      `whole graph: latents ${run.latentMaxAbsDiff.toExponential(2)}, image ${run.imageMaxAbsDiff?.toExponential(2)}`
    )
    expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
    expect(run.imageMaxAbsDiff).toBeLessThan(1e-4)
  })
})
