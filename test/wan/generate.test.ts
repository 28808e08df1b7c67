import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { createStepCache } from '../../src/main/engine/cache/index'
import type { WanModel } from '../../src/main/engine/pipeline/wan/model'
import { runWanPipeline } from '../../src/main/engine/pipeline/wan/generate'
import { loadWholeGraphWan } from '../../src/main/engine/pipeline/wan/whole-graph'
import { readFloat } from '../import/npy'

const WAN = join(__dirname, '../fixtures/diffusers/wan2.1-tiny')
const GOLDEN = join(WAN, 'golden/pipeline_4steps')

const request = (extra: Record<string, unknown> = {}) =>
  GenerateRequestSchema.parse({
    model: 'wan',
    prompt: 'a cat sitting on a wooden table next to a cup of coffee',
    negativePrompt: 'bad quality, blurry, low resolution',
    seed: 0,
    steps: 4,
    guidanceScale: 5,
    ...extra
  })

describe('Wan generate on the whole graphs (wan2.1-tiny dynamo)', () => {
  let model: WanModel
  beforeAll(async () => {
    model = await loadWholeGraphWan(join(WAN, 'onnx-dynamo'), { provider: 'cpu' })
  })
  afterAll(() => model?.release())

  it("from diffusers' noise, gives its 9 frames (RGBA bytes within 1 of the golden's) and a WebM", async () => {
    const noise = readFloat(join(GOLDEN, 'initial_latents.npy')).data
    // The golden ran max_sequence_length 16; a dynamic export defaults to WanPipeline's 512.
    expect(model.defaults.maxSequenceLength).toBe(512)
    const at16: WanModel = { ...model, defaults: { ...model.defaults, maxSequenceLength: 16 } }
    const result = await runWanPipeline(at16, request({ width: 64, height: 48, frames: 9 }), {
      createStepCache,
      beforeCall: () => undefined,
      noise
    })
    expect([result.kind, result.width, result.height, result.frames, result.fps]).toEqual([
      'video',
      64,
      48,
      9,
      16
    ])
    expect(result.recipe.frames).toBe(9)
    // video_np is [1, F, H, W, 3] in [0, 1]: the same pixels as RGBA bytes.
    const want = readFloat(join(GOLDEN, 'video_np.npy')).data
    let worst = 0
    for (let p = 0; p < 9 * 48 * 64; p++)
      for (let c = 0; c < 3; c++)
        worst = Math.max(worst, Math.abs(result.pixels[p * 4 + c] - Math.round(want[p * 3 + c] * 255)))
    expect(worst).toBeLessThanOrEqual(1)
    expect(result.files.map((f) => f.name)).toContain('video.webm')
    expect(result.files.filter((f) => f.name.startsWith('frame-'))).toHaveLength(9)
    expect(result.timings.perStepMs).toHaveLength(4)
    expect(result.trace).toEqual([])
  })

  it('refuses frames its VAE graph cannot decode and sizes off the grid, by name', async () => {
    const hooks = { createStepCache, beforeCall: () => undefined }
    await expect(
      runWanPipeline(model, request({ width: 64, height: 48, frames: 13 }), hooks)
    ).rejects.toThrow(/9 frames only/)
    await expect(runWanPipeline(model, request({ width: 60, height: 48, frames: 9 }), hooks)).rejects.toThrow(
      /multiples of 16/
    )
  })

  it("keeps sides and frames within the transformer's RoPE table (rope_max_seq_len 32: 512 px, 125 frames)", async () => {
    expect([model.shape.max, model.shape.maxFrames]).toEqual([512, 125])
    // WanPipeline's 832×480 does not fit this tiny model: the default width is the largest that does.
    expect([model.defaults.width, model.defaults.height, model.defaults.frames]).toEqual([512, 480, 9])
    const hooks = { createStepCache, beforeCall: () => undefined }
    await expect(
      runWanPipeline(model, request({ width: 528, height: 48, frames: 9 }), hooks)
    ).rejects.toThrow(/up to 512/)
  })

  it('a cache on a whole graph is refused (import the folder first)', async () => {
    await expect(
      runWanPipeline(model, request({ width: 64, height: 48, frames: 9, cache: { preset: 'F1B0' } }), {
        createStepCache,
        beforeCall: () => undefined
      })
    ).rejects.toThrow(/whole graph/)
  })
})

describe('Wan generate on a static TorchScript folder without a VAE graph', () => {
  it('offers only its exported size and frames, and says it cannot decode', async () => {
    const model = await loadWholeGraphWan(join(WAN, 'onnx'), { provider: 'cpu' })
    try {
      expect(model.shape.fixed).toEqual({ width: 64, height: 48 })
      expect(model.shape.fixedFrames).toBe(9)
      expect(model.shape.fixedTextLength).toBe(16)
      expect([model.defaults.width, model.defaults.height, model.defaults.frames]).toEqual([64, 48, 9])
      const hooks = { createStepCache, beforeCall: () => undefined }
      await expect(runWanPipeline(model, request({ width: 128, height: 48 }), hooks)).rejects.toThrow(
        /static/
      )
      await expect(runWanPipeline(model, request(), hooks)).rejects.toThrow(/vae_decoder/)
    } finally {
      await model.release()
    }
  })
})
