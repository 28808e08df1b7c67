import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { runFluxPipeline } from '../../src/main/engine/pipeline/flux/generate'
import type { FluxModel } from '../../src/main/engine/pipeline/flux/model'
import { loadWholeGraphFlux } from '../../src/main/engine/pipeline/flux/whole-graph'
import { readRegularFile } from '../../src/main/engine/model/safe-read'
import { readGolden } from '../../src/main/engine/replay/golden'
import { parseNpy } from '../../src/main/engine/replay/npy'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import { GenerateRequestSchema, type GenerateRequestInput } from '../../src/shared/generation'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')
const hooks = { createStepCache, beforeCall: () => {} }
const request = (r: Partial<GenerateRequestInput>) =>
  GenerateRequestSchema.parse({
    model: 'flux-tiny',
    prompt: 'a red circle',
    seed: 3,
    steps: 2,
    provider: 'cpu',
    ...r
  })

describe('FLUX generate (runFluxPipeline) on the whole-graph flux-tiny', () => {
  let model: FluxModel
  beforeAll(async () => {
    model = await loadWholeGraphFlux(join(FLUX, 'onnx'), { provider: 'cpu' })
  })
  afterAll(() => model?.release())

  it("from diffusers' noise and settings it makes diffusers' latents and image (within 1e-4)", async () => {
    const golden = await readGolden(join(FLUX, 'golden/pipeline_4steps'))
    const path = join(FLUX, 'golden/pipeline_4steps/initial_noise_unpacked.npy')
    const noise = parseNpy(await readRegularFile(path, { maxBytes: 1 << 20 }), path)
    if (noise.kind !== 'float32') throw new Error('noise is not float32')
    // The golden ran with max_sequence_length 16; the model's own default is 512.
    const short: FluxModel = { ...model, t5: { ...model.t5, maxLength: golden.maxSequenceLength } }
    let latent: Tensor | null = null
    let image: Tensor | null = null
    const result = await runFluxPipeline(
      short,
      request({ prompt: golden.prompt, steps: 4, guidanceScale: 3.5, width: 32, height: 32 }),
      { ...hooks, noise: noise.data, onDecoded: (l, i) => ((latent = l), (image = i)) }
    )
    const diff = (a: Tensor, b: Tensor) => Math.max(...Array.from(a.data, (v, i) => Math.abs(v - b.data[i])))
    expect(latent!.dims).toEqual(golden.runs[0].finalLatents.dims)
    expect(diff(latent!, golden.runs[0].finalLatents)).toBeLessThan(1e-4)
    expect(diff(image!, golden.runs[0].image!)).toBeLessThan(1e-4)
    expect(result.files[0].name).toBe('image.png')
    expect(result.recipe).toMatchObject({ width: 32, height: 32, steps: 4, guidanceScale: 3.5 })
  })

  it('width and height come from the request; the same seed gives the same image', async () => {
    const a = await runFluxPipeline(model, request({ width: 48, height: 32 }), hooks)
    expect([a.width, a.height]).toEqual([48, 32])
    expect(a.pixels.length).toBe(48 * 32 * 4)
    const b = await runFluxPipeline(model, request({ width: 48, height: 32 }), hooks)
    expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true)
    const c = await runFluxPipeline(model, request({ width: 48, height: 32, seed: 4 }), hooks)
    expect(Buffer.from(c.pixels).equals(Buffer.from(a.pixels))).toBe(false)
  })

  it('a size that is not a multiple of VAE scale × 2 is refused naming the multiple', async () => {
    await expect(runFluxPipeline(model, request({ width: 30, height: 32 }), hooks)).rejects.toThrow(
      /width 30: .* multiples of 4/
    )
  })

  it('guidance goes to the transformer only when its config has guidance_embeds (FLUX.1-dev, not schnell)', async () => {
    const seen: Record<string, number[]>[] = []
    const recording = (guidanceEmbeds: boolean): FluxModel => ({
      ...model,
      configs: {
        ...model.configs,
        transformer: { ...model.configs.transformer, guidance_embeds: guidanceEmbeds }
      },
      call: async (_t, inputs) => {
        seen.push(Object.fromEntries(Object.entries(inputs.text).map(([k, v]) => [k, v.dims.slice()])))
        if (guidanceEmbeds) expect(Array.from(inputs.text.guidance.data)).toEqual([2.5])
        return tensor(new Float32Array(inputs.latent.data.length), inputs.latent.dims)
      }
    })
    await runFluxPipeline(recording(true), request({ width: 32, height: 32, guidanceScale: 2.5 }), hooks)
    expect(Object.keys(seen.at(-1)!).sort()).toEqual([
      'guidance',
      'img_ids',
      'text_hidden',
      'text_pooled',
      'txt_ids'
    ])
    expect(seen.at(-1)!.img_ids).toEqual([64, 3])
    expect(seen.at(-1)!.txt_ids).toEqual([512, 3])
    await runFluxPipeline(recording(false), request({ width: 32, height: 32, guidanceScale: 2.5 }), hooks)
    expect(Object.keys(seen.at(-1)!)).not.toContain('guidance')
  })

  it('a cache preset is refused on a whole transformer graph (nothing to skip)', async () => {
    await expect(
      runFluxPipeline(
        model,
        request({ width: 32, height: 32, cache: { preset: 'F8B0', overrides: {} } }),
        hooks
      )
    ).rejects.toThrow(/cannot be cached/)
  })
})
