import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { createStepCache } from '../../src/main/engine/cache/index'
import { importedModelInfo } from '../../src/main/engine/import/imported-info'
import { importFolder } from '../../src/main/engine/import/importer'
import { loadImportedFamilyModel } from '../../src/main/engine/pipeline/families'
import { readPixArtGolden } from '../../src/main/engine/replay/pixart-golden'
import { blockLists, replayJson, tempModelsDir, worstPixelLevel } from '../family-checks'

/**
 * `studio import` of both PixArt-Σ exports, then `studio replay pixart-sigma-tiny/golden/pipeline_4steps
 * --model <imported package>`: the transformer cut into blocks, final latents and image within
 * 1e-3 of diffusers; the static export's one size is the package's only size.
 */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')
const modelsDir = tempModelsDir('pixart-import-')

describe('imported PixArt-Σ', () => {
  for (const exportDir of ['onnx', 'onnx-dynamo']) {
    it(`${exportDir}: imports as one list of 6 Pattern_3 blocks at its fixed 32×32, and replays within 1e-3`, async () => {
      const imported = await importFolder(join(FIXTURE, exportDir), {
        modelsDir,
        name: `pixart ${exportDir}`
      })
      const m = imported.manifest
      expect(m.family).toBe('pixart')
      expect(m.kind).toBe('image')
      expect(m.transformers).toHaveLength(1)
      expect(blockLists(m)).toEqual([['transformer_blocks', 6, 'Pattern_3']])
      expect(m.sizes).toEqual({ multipleOf: 4, max: 4096, fixed: { width: 32, height: 32 } })
      expect(m.defaults).toMatchObject({ steps: 20, guidanceScale: 4.5, width: 32, height: 32 })

      const { runs } = await replayJson<{ runs: { latentMaxAbsDiff: number; imageMaxAbsDiff: number }[] }>(
        join(FIXTURE, 'golden/pipeline_4steps'),
        imported.dir
      )
      const [run] = runs
      expect(run.latentMaxAbsDiff).toBeLessThan(1e-3)
      expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
    })
  }

  it('generates through the family registry as the app does: the golden image, then a cached run; the card offers 32×32 only', async () => {
    const imported = await importFolder(join(FIXTURE, 'onnx'), { modelsDir, name: 'pixart generate' })
    const info = await importedModelInfo(imported.dir)
    expect(info.sizes).toEqual({ multipleOf: 4, max: 4096, fixed: { width: 32, height: 32 } })
    expect(info.output).toMatchObject({ width: 32, height: 32 })
    expect(info.guidance).toBe('cfg')
    const golden = await readPixArtGolden(join(FIXTURE, 'golden/pipeline_4steps'))
    const { model, pipeline, kind } = await loadImportedFamilyModel(imported.dir, { provider: 'cpu' })
    try {
      expect(kind).toBe('image')
      const base = {
        model: imported.id,
        prompt: golden.prompt,
        negativePrompt: golden.negativePrompt,
        seed: 0,
        steps: golden.steps,
        guidanceScale: golden.guidanceScale
      }
      const hooks = { createStepCache, beforeCall: () => {}, noise: golden.initialLatents.data }
      const plain = await pipeline.generate(model, GenerateRequestSchema.parse(base), hooks)
      expect(worstPixelLevel(plain.pixels, golden.image)).toBeLessThanOrEqual(1)
      const cached = await pipeline.generate(
        model,
        GenerateRequestSchema.parse({
          ...base,
          steps: 8,
          cache: {
            preset: 'custom',
            overrides: { Fn: 1, Bn: 0, residualDiffThreshold: 10, maxWarmupSteps: 2 }
          }
        }),
        hooks
      )
      expect(cached.summary.contexts.map((c) => [c.branch, c.cachedSteps])).toEqual([
        ['batched', [2, 3, 4, 5, 6, 7]]
      ])
      await expect(
        pipeline.generate(model, GenerateRequestSchema.parse({ ...base, width: 64, height: 64 }), hooks)
      ).rejects.toThrow(/makes 32×32 images only/)
    } finally {
      await model.release()
    }
  })
})
