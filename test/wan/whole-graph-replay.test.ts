import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { loadWholeGraphWan } from '../../src/main/engine/pipeline/wan/whole-graph'
import { readWanGolden } from '../../src/main/engine/replay/wan-golden'
import { replayWan } from '../../src/main/engine/replay/wan-replay'

const FIXTURES = join(__dirname, '../fixtures/diffusers')

describe('Wan pipeline on whole transformer graphs vs diffusers (pipeline_4steps)', () => {
  for (const family of ['wan2.1-tiny', 'wan2.2-tiny'])
    for (const exporter of ['onnx', 'onnx-dynamo']) {
      it(`${family} ${exporter}: token ids, embeddings, schedule, experts, final latents (< 1e-4) and frames (< 1e-3)`, async () => {
        const model = await loadWholeGraphWan(join(FIXTURES, family, exporter), { provider: 'cpu' })
        try {
          const golden = await readWanGolden(join(FIXTURES, family, 'golden/pipeline_4steps'))
          const { runs, checks } = await replayWan(model, golden, { createStepCache })
          expect(checks.tokenIdsMatch).toBe(true)
          expect(checks.sigmaMaxAbsDiff).toBe(0)
          expect(checks.embedsMaxAbsDiff).toBeLessThan(1e-5)
          expect(checks.expertsMatch).toBe(family === 'wan2.2-tiny' ? true : null)
          const [run] = runs
          console.log(
            `${family}/${exporter}: embeds ${checks.embedsMaxAbsDiff?.toExponential(2)}, latents ${run.latentMaxAbsDiff.toExponential(2)}, frames ${run.imageMaxAbsDiff?.toExponential(2) ?? '(no VAE graph)'}`
          )
          expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
          if (exporter === 'onnx-dynamo') expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
          else expect(model.vaeDecoder).toBeNull()
        } finally {
          await model.release()
        }
      })
    }
})
