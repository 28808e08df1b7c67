import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  PixArtImportedConfigsSchema,
  pixartImportConfigs,
  pixartSizes
} from '../../src/main/engine/import/families/pixart'
import { tryDecodeModel, type ModelProto } from '../../src/main/engine/model/onnx-graph'
import { parsePythonJson } from '../../src/main/engine/pipeline/config-json'
import { pixartDefaults } from '../../src/main/engine/pipeline/pixart/defaults'

/** The PixArt-Σ family's import side on both fixture exports: configs kept, the static size found. */

const FIXTURE = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')

function folder(exportDir: string) {
  const dir = join(FIXTURE, exportDir)
  const json = (rel: string) => parsePythonJson(readFileSync(join(dir, rel), 'utf8'), rel)
  const decoded = tryDecodeModel(readFileSync(join(dir, 'transformer/model.onnx')))
  if ('error' in decoded) throw new Error(decoded.error)
  return {
    raw: {
      index: json('model_index.json'),
      scheduler: json('scheduler/scheduler_config.json'),
      vae: json('vae_decoder/config.json'),
      transformer: json('transformer/config.json'),
      tokenizerMaxLength: (json('tokenizer/tokenizer_config.json') as { model_max_length: number })
        .model_max_length
    },
    graph: decoded.model as ModelProto,
    dir
  }
}

describe('import/families/pixart', () => {
  for (const exportDir of ['onnx', 'onnx-dynamo']) {
    it(`${exportDir}: keeps the configs and finds the static 32×32, batch 2, 16-token graph`, () => {
      const f = folder(exportDir)
      const configs = pixartImportConfigs(f.raw, f.graph, f.dir)
      // model.json is written with JSON.stringify, which turns -Infinity into null: read back as -Infinity.
      const stored = PixArtImportedConfigsSchema.parse(JSON.parse(JSON.stringify(configs)))
      expect(stored.scheduler.lambda_min_clipped).toBe(-Infinity)
      expect(stored).toEqual(configs)
      expect(configs.shape).toEqual({
        multipleOf: 4,
        max: 4096,
        fixed: { width: 32, height: 32 },
        fixedBatch: 2,
        fixedTextLength: 16
      })
      expect(pixartDefaults(configs)).toEqual({
        steps: 20,
        guidanceScale: 4.5,
        negativePrompt: '',
        width: 32,
        height: 32,
        maxSequenceLength: 16
      })
      expect(pixartSizes(configs.shape).fixed).toEqual({ width: 32, height: 32 })
    })
  }

  it('refuses a scheduler option the DPM-Solver does not implement, naming the file and option', () => {
    const f = folder('onnx')
    const raw = { ...f.raw, scheduler: { ...(f.raw.scheduler as object), algorithm_type: 'sde-dpmsolver++' } }
    expect(() => pixartImportConfigs(raw, f.graph, f.dir)).toThrow(
      /scheduler_config.json: algorithm_type "sde-dpmsolver\+\+"/
    )
  })

  it('refuses another pipeline by its model_index.json', () => {
    const f = folder('onnx')
    const raw = { ...f.raw, index: { _class_name: 'PixArtAlphaPipeline' } }
    expect(() => pixartImportConfigs(raw, f.graph, f.dir)).toThrow(/model_index.json: _class_name/)
  })
})
