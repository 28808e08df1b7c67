import { basename } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Tensor } from '../../src/main/engine/tensor'
import {
  ALL_FIXTURES,
  embeddedWithReference,
  fixture,
  generate,
  loadFixture,
  maxAbsDiff,
  readReference,
  request
} from './fixtures'

describe('engine run vs the PyTorch reference (reference.json, stored noise)', () => {
  for (const name of [...ALL_FIXTURES, ...embeddedWithReference()]) {
    it(`${basename(name)}: final latent and image within 1e-4`, async () => {
      const ref = readReference(name)
      // Short segments: ORT creates a 20-block graph in seconds; the numbers do not change.
      const model = await loadFixture(name, { maxSegmentBlocks: 8 })
      expect(model.tokenizer.encode(ref.prompt)).toEqual(ref.inputIds)
      let latent: Tensor | null = null
      let image: Tensor | null = null
      await generate(
        model,
        request({
          model: fixture(name),
          prompt: ref.prompt,
          negativePrompt: ref.negativePrompt,
          steps: ref.steps,
          guidanceScale: ref.guidanceScale,
          separateCfg: ref.separateCfg
        }),
        { noise: Float32Array.from(ref.noise), onDecoded: (l, i) => ((latent = l), (image = i)) }
      )
      expect(latent!.dims).toEqual(ref.latentShape)
      const dLatent = maxAbsDiff(latent!.data, ref.latentOut)
      console.log(`${basename(name)}: max |latent - reference| = ${dLatent.toExponential(2)}`)
      expect(dLatent).toBeLessThan(1e-4)
      if (ref.image) {
        expect(image!.dims).toEqual(ref.imageShape)
        expect(maxAbsDiff(image!.data, ref.image)).toBeLessThan(1e-4)
      }
    })
  }
})
