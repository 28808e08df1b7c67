import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { CacheConfigSchema } from '../../src/shared/cache-config'
import { loadSd3Model } from '../../src/main/engine/pipeline/sd3/load'
import type { Sd3Model } from '../../src/main/engine/pipeline/sd3/model'
import { encodeSd3, joinStates, tokenizeSd3 } from '../../src/main/engine/pipeline/sd3/text'
import { sd3Denoise } from '../../src/main/engine/pipeline/sd3/denoise'
import { flowMatchStepsSchedule } from '../../src/main/engine/pipeline/flow-match'
import { replaySd3 } from '../../src/main/engine/replay/sd3'
import { readSd3Golden } from '../../src/main/engine/replay/sd3-golden'
import { parseNpy } from '../../src/main/engine/replay/npy'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import { readFileSync } from 'node:fs'

/**
 * The SD3 pipeline on the ONNX StableDiffusion3Pipeline folders of sd3-tiny, transformer run whole:
 * the golden's 4-step run (CLIP-L + CLIP-G + T5, CFG batch, static-shift Euler, VAE) reproduced.
 */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const GOLDEN = join(SD3, 'golden/pipeline_4steps')
const npy = (dir: string, file: string): Tensor => {
  const a = parseNpy(new Uint8Array(readFileSync(join(dir, file))), file)
  if (a.kind !== 'float32') throw new Error(`${file}: not float`)
  return tensor(a.data, a.shape)
}
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return a.length === b.length ? m : Infinity
}

for (const exportDir of ['onnx', 'onnx-dynamo']) {
  describe(`SD3 whole-graph pipeline (${exportDir})`, () => {
    let model: Sd3Model
    beforeAll(async () => {
      model = await loadSd3Model(join(SD3, exportDir), { provider: 'cpu' })
    })
    afterAll(async () => {
      await model.release()
    })

    it("replays pipeline_4steps: own token ids equal the golden's, embeddings, final latents within 1e-4, image within 1e-3", async () => {
      const golden = await readSd3Golden(GOLDEN)
      const r = await replaySd3(model, golden, { createStepCache })
      expect(r.checks.tokenIdsMatch).toBe(true)
      expect(r.checks.sigmaMaxAbsDiff).toBe(0)
      expect(r.checks.embedsMaxAbsDiff).toBeLessThan(1e-5)
      expect(r.runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(r.runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
    })

    it("the transformer call at the CFG batch and at batch 1 on a cropped 12x20 latent is golden/transformer's", async () => {
      const dir = join(SD3, 'golden/transformer')
      const site = {
        stepCache: createStepCache(CacheConfigSchema.parse({ enabled: false })),
        step: 0,
        sigma: 1,
        branch: 'batched' as const,
        mergeBlockLists: false,
        beforeCall: () => undefined
      }
      for (const [input, output] of [
        ['input', 'output'],
        ['input_b2', 'output_b2']
      ]) {
        const out = await model.call!(
          model.transformer,
          {
            latent: npy(dir, `${input}.hidden_states.npy`),
            timestep: npy(dir, `${input}.timestep.npy`),
            text: {
              text_hidden: npy(dir, `${input}.encoder_hidden_states.npy`),
              text_pooled: npy(dir, `${input}.pooled_projections.npy`)
            }
          },
          site
        )
        const want = npy(dir, `${output}.out_hidden_states.npy`)
        expect(out.dims).toEqual(want.dims)
        expect(maxAbs(out.data, want.data)).toBeLessThan(1e-4)
      }
    })

    it("without text_encoder_3 the T5 part is zeros [1, L, joint_attention_dim] and the CLIP part is diffusers'", async () => {
      const golden = await readSd3Golden(GOLDEN)
      const noT5 = { ...model, t5: null }
      const ids = tokenizeSd3(noT5, golden.prompt, golden.maxSequenceLength)
      const text = await encodeSd3(noT5, ids, () => undefined)
      expect(text.states.dims).toEqual([1, 77 + 16, 96])
      const clipPart = 77 * 96
      expect(
        maxAbs(text.states.data.subarray(0, clipPart), golden.embeds.cond.states.data.subarray(0, clipPart))
      ).toBeLessThan(1e-5)
      expect(text.states.data.subarray(clipPart).every((v) => v === 0)).toBe(true)
      expect(maxAbs(text.pooled.data, golden.embeds.cond.pooled.data)).toBeLessThan(1e-5)
    })

    it('guidance 1 runs one call per step at batch 1 (no uncond), a cache on the whole graph is refused', async () => {
      const golden = await readSd3Golden(GOLDEN)
      const schedule = flowMatchStepsSchedule(model.configs.scheduler, 2)
      const calls: number[] = []
      const counting = {
        ...model,
        call: async (...a: Parameters<NonNullable<Sd3Model['call']>>) => {
          calls.push(a[1].latent.dims[0])
          return model.call!(...a)
        }
      }
      const text = { states: golden.embeds.cond.states, pooled: golden.embeds.cond.pooled }
      const off = CacheConfigSchema.parse({ enabled: false })
      await sd3Denoise(
        counting,
        { cond: text, uncond: text, noise: golden.initialLatents, schedule, guidanceScale: 1, cache: off },
        { createStepCache, beforeCall: () => undefined }
      )
      expect(calls).toEqual([1, 1])
      await expect(
        sd3Denoise(
          model,
          {
            cond: text,
            uncond: text,
            noise: golden.initialLatents,
            schedule,
            guidanceScale: 5,
            cache: CacheConfigSchema.parse({ enabled: true })
          },
          { createStepCache, beforeCall: () => undefined }
        )
      ).rejects.toThrow(/whole graph, which cannot be cached/)
    })
  })
}

describe('SD3 prompt embeddings layout', () => {
  it('CLIP-L and CLIP-G join on features, pad with zeros to T5 width, then T5 follows on the sequence axis', () => {
    const l = tensor(Float32Array.of(1, 2, 3, 4), [1, 2, 2])
    const g = tensor(Float32Array.of(5, 6), [1, 2, 1])
    const t5 = tensor(Float32Array.of(7, 8, 9, 10), [1, 1, 4])
    const out = joinStates(l, g, t5)
    expect(out.dims).toEqual([1, 3, 4])
    expect([...out.data]).toEqual([1, 2, 5, 0, 3, 4, 6, 0, 7, 8, 9, 10])
    expect(() => joinStates(l, g, tensor(new Float32Array(2), [1, 1, 2]))).toThrow(/cannot be padded/)
  })
})
