import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { CacheConfigSchema } from '../../src/shared/cache-config'
import { flowMatchSchedule } from '../../src/main/engine/pipeline/flow-match'
import { qwenDenoise } from '../../src/main/engine/pipeline/qwen-image/denoise'
import type { QwenImageModel } from '../../src/main/engine/pipeline/qwen-image/model'
import { loadWholeGraphQwenImage } from '../../src/main/engine/pipeline/qwen-image/whole-graph'
import { replayQwenTransformer } from '../../src/main/engine/replay/qwen'
import { readQwenTransformerGolden } from '../../src/main/engine/replay/qwen-golden'
import type { Tensor } from '../../src/main/engine/tensor'

/**
 * The Qwen-Image transformer of qwen-image-tiny run whole (TorchScript and dynamo exports, both
 * with the real-valued RoPE): golden/transformer's calls, and the FlowMatchEuler loop on them.
 */

const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')
const GOLDEN = join(QWEN, 'golden/transformer')
const off = CacheConfigSchema.parse({ enabled: false, mergeBlockLists: false })
const maxAbs = (a: Tensor, b: Tensor) => {
  expect(a.dims).toEqual(b.dims)
  let m = 0
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]))
  return m
}

const models: Record<string, QwenImageModel> = {}
beforeAll(async () => {
  for (const e of ['onnx', 'onnx-dynamo'])
    models[e] = await loadWholeGraphQwenImage(join(QWEN, e), { provider: 'cpu' })
})
afterAll(async () => {
  for (const m of Object.values(models)) await m.release()
})

describe('Qwen-Image whole transformer graph', () => {
  for (const e of ['onnx', 'onnx-dynamo']) {
    it(`${e}: both golden/transformer calls (all tokens, and 4 masked) within 1e-4 of diffusers`, async () => {
      const golden = await readQwenTransformerGolden(GOLDEN)
      const r = await replayQwenTransformer(models[e], golden)
      expect(r.map((c) => c.name)).toEqual(['input', 'input_b2'])
      for (const c of r) expect(c.outputMaxAbsDiff).toBeLessThan(1e-4)
    })

    it(`${e}: one loop step from sigma 1 is the golden's latents minus its prediction (timestep 1.0 = t / 1000)`, async () => {
      const golden = await readQwenTransformerGolden(GOLDEN)
      const c = golden.cases[0]
      const model = models[e]
      const schedule = flowMatchSchedule(model.configs.scheduler, 1, model.shape.imageTokens)
      expect(schedule.sigmas).toEqual([1, 0])
      expect(schedule.modelTimesteps).toEqual([c.timestep.data[0]])
      const { latent } = await qwenDenoise(
        model,
        {
          cond: { states: c.states, mask: c.mask },
          uncond: null,
          noise: c.hidden,
          schedule,
          trueCfgScale: 4,
          cache: off
        },
        { createStepCache, beforeCall: () => undefined }
      )
      const want = c.hidden.data.map((x, i) => x - c.output.data[i])
      expect(maxAbs(latent, { data: want, dims: c.hidden.dims })).toBeLessThan(1e-4)
    })
  }

  it('the model card says why a prompt is not enough; the graph fixes 48 image tokens and 12 text tokens', () => {
    const m = models.onnx
    expect(m.note).toBe('needs precomputed prompt embeddings (no text encoder graph)')
    expect(m.shape).toEqual({ fixedBatch: 1, imageTokens: 48, channels: 16, fixedTextLength: 12 })
    expect(models['onnx-dynamo'].shape.fixedBatch).toBeNull()
  })

  it('the 10-step loop (static shift 3, true CFG with negative embeddings) gives the same final latents on both exports', async () => {
    const golden = await readQwenTransformerGolden(GOLDEN)
    const [a, b] = golden.cases
    const finals: Tensor[] = []
    const calls: string[] = []
    for (const e of ['onnx', 'onnx-dynamo']) {
      const model = models[e]
      const schedule = flowMatchSchedule(model.configs.scheduler, 10, model.shape.imageTokens)
      const { latent, stepCache } = await qwenDenoise(
        model,
        {
          cond: { states: a.states, mask: a.mask },
          uncond: { states: b.states, mask: b.mask },
          noise: a.hidden,
          schedule,
          trueCfgScale: 4,
          cache: off
        },
        {
          createStepCache,
          beforeCall: () => undefined,
          onStep: (r) => {
            if (e === 'onnx') calls.push(...r.traces.map((t) => t.branch))
          }
        }
      )
      expect(stepCache.summary()).toBeDefined()
      finals.push(latent)
    }
    expect(maxAbs(finals[0], finals[1])).toBeLessThan(1e-4)
    // Moved well away from the noise: the loop ran.
    expect(maxAbs(finals[0], a.hidden)).toBeGreaterThan(0.1)
    expect(calls.filter((b) => b === 'uncond').length).toBe(calls.filter((b) => b === 'cond').length)
  })

  it("refuses latents of another size and embeddings longer than the graph's text length by name", async () => {
    const golden = await readQwenTransformerGolden(GOLDEN)
    const c = golden.cases[0]
    const model = models.onnx
    const schedule = flowMatchSchedule(model.configs.scheduler, 2, 48)
    const long = {
      states: { data: new Float32Array(13 * 16), dims: [1, 13, 16] },
      mask: new BigInt64Array(13).fill(1n)
    }
    await expect(
      qwenDenoise(
        model,
        { cond: long, uncond: null, noise: c.hidden, schedule, trueCfgScale: 1, cache: off },
        { createStepCache, beforeCall: () => undefined }
      )
    ).rejects.toThrow(/13 tokens.*exported for 12/)
    const wrong = { data: new Float32Array(40 * 16), dims: [1, 40, 16] }
    await expect(
      qwenDenoise(
        model,
        {
          cond: { states: c.states, mask: c.mask },
          uncond: null,
          noise: wrong,
          schedule,
          trueCfgScale: 1,
          cache: off
        },
        { createStepCache, beforeCall: () => undefined }
      )
    ).rejects.toThrow(/takes \[1, 48, 16\]/)
  })
})
