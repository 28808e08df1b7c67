import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QWEN_IMAGE_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import type { QwenImageModel } from '../../src/main/engine/pipeline/qwen-image/model'
import { loadWholeGraphQwenImage } from '../../src/main/engine/pipeline/qwen-image/whole-graph'
import { replayQwenTransformer } from '../../src/main/engine/replay/qwen'
import { readQwenTransformerGolden } from '../../src/main/engine/replay/qwen-golden'
import { cutWithSpec } from '../cut-transformer'

/** Qwen-Image's transformer cut into blocks by the importer (QWEN_IMAGE_GRAPH, in memory), through the step cache. */

const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')

for (const exportDir of ['onnx', 'onnx-dynamo']) {
  describe(`Qwen-Image on cut transformer graphs (${exportDir})`, () => {
    let whole: QwenImageModel
    let cut: QwenImageModel
    beforeAll(async () => {
      whole = await loadWholeGraphQwenImage(join(QWEN, exportDir), { provider: 'cpu' })
      const transformer = await cutWithSpec(join(QWEN, exportDir, 'transformer/model.onnx'), QWEN_IMAGE_GRAPH)
      cut = { ...whole, transformer, call: undefined, cacheable: true }
    })
    afterAll(async () => {
      await whole.release()
    })

    it('both golden/transformer calls (the mask as float text_mask) within 1e-4 of diffusers', async () => {
      const r = await replayQwenTransformer(
        cut,
        await readQwenTransformerGolden(join(QWEN, 'golden/transformer'))
      )
      expect(r).toHaveLength(2)
      for (const c of r) expect(c.outputMaxAbsDiff).toBeLessThan(1e-4)
    })
  })
}
