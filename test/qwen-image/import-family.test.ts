import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { QWEN_IMAGE_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import {
  QWEN_IMAGE_FAMILY,
  QwenImageConfigsSchema,
  qwenImageFromImport
} from '../../src/main/engine/import/families/qwen-image'
import type { FamilyFolder } from '../../src/main/engine/import/families/types'
import type { LoadedImport } from '../../src/main/engine/import/loaded-import'
import type { RecognisedGraph } from '../../src/main/engine/import/recognise'
import { onnx } from '../../src/main/engine/model/onnx-graph'
import { qwenDefaultSize } from '../../src/main/engine/pipeline/qwen-image/model'
import { replayQwenTransformer } from '../../src/main/engine/replay/qwen'
import { readQwenTransformerGolden } from '../../src/main/engine/replay/qwen-golden'
import type { ImportedManifest } from '../../src/shared/imported-manifest'
import { cutWithSpec } from '../cut-transformer'

/** The Qwen-Image family of the importer: configs with the graph's shape, and a loaded package as the pipeline's model. */

const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')

function folderOf(dir: string): { folder: FamilyFolder; graphs: Map<string, RecognisedGraph> } {
  const bytes = readFileSync(join(dir, 'transformer/model.onnx'))
  const graph = {
    file: 'transformer/model.onnx',
    model: onnx.ModelProto.decode(bytes),
    bytes,
    external: [],
    fp16: false
  }
  return {
    folder: {
      dir,
      index: {},
      hasGraph: (c) => c === 'transformer',
      json: async (file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown
    },
    graphs: new Map([['transformer', graph as RecognisedGraph]])
  }
}

describe('Qwen-Image import family', () => {
  for (const e of ['onnx', 'onnx-dynamo']) {
    it(`${e}: keeps scheduler, transformer and the graph's shape (48 image tokens, 12 text tokens); no tokenizer, no prompt text`, async () => {
      const { folder, graphs } = folderOf(join(QWEN, e))
      const raw = await QWEN_IMAGE_FAMILY.readConfigs(folder, graphs)
      const c = QwenImageConfigsSchema.parse(JSON.parse(JSON.stringify(raw)))
      expect(c.shape).toEqual({
        fixedBatch: e === 'onnx' ? 1 : null,
        imageTokens: 48,
        channels: 16,
        fixedTextLength: 12
      })
      expect(QWEN_IMAGE_FAMILY.tokenizers(folder)).toEqual([])
      expect(QWEN_IMAGE_FAMILY.promptTokenizer).toBeNull()
      expect(QWEN_IMAGE_FAMILY.transformerClasses).toEqual(['QwenImageTransformer2DModel'])
      expect(QWEN_IMAGE_FAMILY.defaults(c).defaults).toEqual({
        steps: 50,
        guidanceScale: 4,
        width: 128,
        height: 96
      })
    })
  }

  it('a transformer config of another class is kept as read and refused by the schema', async () => {
    const { folder, graphs } = folderOf(join(QWEN, 'onnx'))
    const bad: FamilyFolder = {
      ...folder,
      json: async (file) =>
        file.startsWith('transformer/') ? { _class_name: 'SD3Transformer2DModel' } : folder.json(file)
    }
    const raw = await QWEN_IMAGE_FAMILY.readConfigs(bad, graphs)
    expect(QwenImageConfigsSchema.safeParse(raw).success).toBe(false)
  })

  it('the squarest grid with rows <= cols: 48 -> 6 x 8 tokens, 7 -> 1 x 7', () => {
    expect(qwenDefaultSize(48)).toEqual({ width: 128, height: 96 })
    expect(qwenDefaultSize(7)).toEqual({ width: 112, height: 16 })
  })

  it('qwenImageFromImport: a cacheable model on the cut transformer, golden/transformer within 1e-4, the embeddings note', async () => {
    const dir = join(QWEN, 'onnx-dynamo')
    const { folder, graphs } = folderOf(dir)
    const configs = QwenImageConfigsSchema.parse(await QWEN_IMAGE_FAMILY.readConfigs(folder, graphs))
    const transformer = await cutWithSpec(join(dir, 'transformer/model.onnx'), QWEN_IMAGE_GRAPH)
    const imp = {
      manifest: { id: 'qwen-image-tiny', name: 'qwen-image-tiny', configs } as unknown as ImportedManifest,
      dir,
      provider: 'cpu',
      transformers: [transformer],
      transformerFor: () => transformer,
      transformer: () => transformer,
      hasSession: () => false,
      session: (c: string) => {
        throw new Error(`no ${c}`)
      },
      tokenizerJson: (n: string) => {
        throw new Error(`no ${n}`)
      },
      tokenizerConfigJson: () => null,
      release: async () => undefined
    } satisfies LoadedImport
    const model = qwenImageFromImport(imp)
    expect(model.cacheable).toBe(true)
    expect(model.note).toBe('needs precomputed prompt embeddings (no text encoder graph)')
    const r = await replayQwenTransformer(
      model,
      await readQwenTransformerGolden(join(QWEN, 'golden/transformer'))
    )
    expect(r).toHaveLength(2)
    for (const c of r) expect(c.outputMaxAbsDiff).toBeLessThan(1e-4)
  })
})
