import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importFolder } from '../../src/main/engine/import/importer'
import { studio } from '../cli-harness'

/**
 * `studio import` of both SD3 and both Qwen-Image exports, then `studio replay` of their goldens
 * with `--model <imported package>`: the transformers cut into blocks (one list of 6 joint blocks,
 * Pattern_1) reproduce diffusers (SD3's final latents within 1e-4 and image within 1e-3, Qwen's
 * transformer calls within 1e-4).
 */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')
const modelsDir = mkdtempSync(join(tmpdir(), 'sd3-qwen-import-'))
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }))

describe('imported SD3 and Qwen-Image', () => {
  for (const exportDir of ['onnx', 'onnx-dynamo']) {
    it(`SD3 ${exportDir}: one list of 6 Pattern_1 blocks; replay within 1e-4 (latents) / 1e-3 (image)`, async () => {
      const imported = await importFolder(join(SD3, exportDir), { modelsDir, name: `sd3 ${exportDir}` })
      const m = imported.manifest
      expect(m.family).toBe('sd3')
      expect(m.transformers[0].blockLists.map((l) => [l.name, l.blocks.length, l.pattern])).toEqual([
        ['transformer_blocks', 6, 'Pattern_1']
      ])
      expect(m.defaults).toMatchObject({ steps: 28, guidanceScale: 7, width: 32, height: 32 })
      const r = await studio(
        'replay',
        join(SD3, 'golden/pipeline_4steps'),
        '--model',
        imported.dir,
        '--json',
        '--provider',
        'cpu'
      )
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      const run = (
        JSON.parse(r.out.join('\n')) as { runs: { latentMaxAbsDiff: number; imageMaxAbsDiff: number }[] }
      ).runs[0]
      expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
    })

    it(`Qwen-Image ${exportDir}: recognised without model_index.json; golden/transformer within 1e-4`, async () => {
      const imported = await importFolder(join(QWEN, exportDir), { modelsDir, name: `qwen ${exportDir}` })
      const m = imported.manifest
      expect(m.family).toBe('qwen-image')
      expect(m.transformers[0].blockLists.map((l) => [l.name, l.blocks.length, l.pattern])).toEqual([
        ['transformer_blocks', 6, 'Pattern_1']
      ])
      const r = await studio(
        'replay',
        join(QWEN, 'golden/transformer'),
        '--model',
        imported.dir,
        '--json',
        '--provider',
        'cpu'
      )
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      const calls = (JSON.parse(r.out.join('\n')) as { calls: { outputMaxAbsDiff: number }[] }).calls
      expect(calls).toHaveLength(2)
      for (const c of calls) expect(c.outputMaxAbsDiff).toBeLessThan(1e-4)
    })
  }
})
