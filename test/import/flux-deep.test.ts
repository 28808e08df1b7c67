import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { StepCache } from '../../src/main/engine/cache/seam'
import { importFolder } from '../../src/main/engine/import/importer'
import { loadImportedModel } from '../../src/main/engine/import/load-imported'
import { callTransformer } from '../../src/main/engine/pipeline/transformer-call'
import { readFloat } from './npy'
import { FLUX_TINY, maxAbsDiff } from './helpers'

/**
 * FLUX.1's real depth (19 double + 38 single blocks). Its transformer graphs are 8.5 and 10.6 MB,
 * too big to copy into test/fixtures, so this runs where the diffusers fixtures set sits beside the
 * repository (FLUX_DEEP names its flux-deep folder) and is skipped elsewhere.
 */
const DEEP = process.env.FLUX_DEEP ?? join(FLUX_TINY, '../../../../../shared/fixtures/diffusers/flux-deep')
const present = existsSync(join(DEEP, 'onnx/transformer/model.onnx'))
const cleanups: (() => void)[] = []
afterAll(() => cleanups.forEach((c) => c()))

const noCache: StepCache = {
  beginGeneration: () => undefined,
  runBlocks: async (_call, runner) => (await runner.enter(runner.blockCount)).output,
  traces: () => [],
  drainTraces: () => [],
  summary: () => ({}) as ReturnType<StepCache['summary']>
}

describe.skipIf(!present)('flux-deep (19 + 38 blocks)', () => {
  for (const variant of ['onnx', 'onnx-dynamo']) {
    it(`${variant}: imports, finds both lists at full depth, and the whole call matches diffusers within 1e-5`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'flux-deep-'))
      cleanups.push(() => rmSync(root, { recursive: true, force: true }))
      cpSync(join(DEEP, variant), join(root, 'src'), { recursive: true })
      const r = await importFolder(join(root, 'src'), { modelsDir: join(root, 'models') })
      expect(r.manifest.transformers[0].blockLists.map((l) => [l.name, l.blocks.length, l.pattern])).toEqual([
        ['transformer_blocks', 19, 'Pattern_1'],
        ['single_transformer_blocks', 38, 'Pattern_1']
      ])
      const g = (n: string) => readFloat(join(DEEP, 'golden/transformer', `${n}.npy`))
      const model = await loadImportedModel(r.dir, { provider: 'cpu', tuning: { intraOpThreads: 1 } })
      try {
        const v = await callTransformer(
          model.transformerFor(1),
          {
            latent: g('input.hidden_states'),
            timestep: g('input.timestep'),
            text: {
              text_hidden: g('input.encoder_hidden_states'),
              text_pooled: g('input.pooled_projections'),
              img_ids: g('input.img_ids'),
              txt_ids: g('input.txt_ids'),
              guidance: g('input.guidance')
            }
          },
          {
            stepCache: noCache,
            step: 0,
            sigma: 1,
            branch: 'cond',
            mergeBlockLists: true,
            beforeCall: () => undefined
          }
        )
        expect(maxAbsDiff(v.data, g('output.out_hidden_states').data)).toBeLessThan(1e-5)
      } finally {
        await model.release()
      }
    }, 300_000)
  }
})
