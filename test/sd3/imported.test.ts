import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importFolder } from '../../src/main/engine/import/importer'
import { blockLists, replayJson, tempModelsDir } from '../family-checks'

/**
 * `studio import` of both SD3 and both Qwen-Image exports, then `studio replay` of their goldens
 * with `--model <imported package>`: the transformers cut into blocks (one list of 6 joint blocks,
 * Pattern_1) reproduce diffusers (SD3's final latents within 1e-4 and image within 1e-3, Qwen's
 * transformer calls within 1e-4).
 */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')
const modelsDir = tempModelsDir('sd3-qwen-import-')

describe('imported SD3 and Qwen-Image', () => {
  for (const exportDir of ['onnx', 'onnx-dynamo']) {
    it(`SD3 ${exportDir}: one list of 6 Pattern_1 blocks; replay within 1e-4 (latents) / 1e-3 (image)`, async () => {
      const imported = await importFolder(join(SD3, exportDir), { modelsDir, name: `sd3 ${exportDir}` })
      const m = imported.manifest
      expect(m.family).toBe('sd3')
      expect(blockLists(m)).toEqual([['transformer_blocks', 6, 'Pattern_1']])
      expect(m.defaults).toMatchObject({ steps: 28, guidanceScale: 7, width: 32, height: 32 })
      const run = (
        await replayJson<{ runs: { latentMaxAbsDiff: number; imageMaxAbsDiff: number }[] }>(
          join(SD3, 'golden/pipeline_4steps'),
          imported.dir
        )
      ).runs[0]
      expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
    })

    it(`Qwen-Image ${exportDir}: recognised without model_index.json; golden/transformer within 1e-4`, async () => {
      const imported = await importFolder(join(QWEN, exportDir), { modelsDir, name: `qwen ${exportDir}` })
      const m = imported.manifest
      expect(m.family).toBe('qwen-image')
      expect(blockLists(m)).toEqual([['transformer_blocks', 6, 'Pattern_1']])
      const { calls } = await replayJson<{ calls: { outputMaxAbsDiff: number }[] }>(
        join(QWEN, 'golden/transformer'),
        imported.dir
      )
      expect(calls).toHaveLength(2)
      for (const c of calls) expect(c.outputMaxAbsDiff).toBeLessThan(1e-4)
    })
  }
})
