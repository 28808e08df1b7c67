import { describe, expect, it } from 'vitest'
import { DPMSolverSchedulerConfigSchema } from '../../src/main/engine/pipeline/schedulers/dpm-solver'
import {
  PixArtTransformerConfigSchema,
  type PixArtConfigs
} from '../../src/main/engine/pipeline/pixart/configs'
import { parsePythonJson } from '../../src/main/engine/pipeline/config-json'
import { checkPixArtSize, pixartShape } from '../../src/main/engine/pipeline/pixart/shape'

const configs: PixArtConfigs = {
  scheduler: DPMSolverSchedulerConfigSchema.parse({ _class_name: 'DPMSolverMultistepScheduler' }),
  vae: {
    _class_name: 'AutoencoderKL',
    latent_channels: 4,
    block_out_channels: [8, 16],
    scaling_factor: 0.13025,
    shift_factor: null
  },
  transformer: PixArtTransformerConfigSchema.parse({
    _class_name: 'PixArtTransformer2DModel',
    in_channels: 4,
    out_channels: 8,
    sample_size: 16,
    patch_size: 2,
    num_layers: 6,
    caption_channels: 32
  })
}

const io = (batch: number | string, h: number | string, w: number | string, L: number | string, c = 4) => [
  { name: 'hidden_states', type: 'float32', shape: [batch, c, h, w] },
  { name: 'encoder_hidden_states', type: 'float32', shape: [batch, L, 32] },
  { name: 'timestep', type: 'float32', shape: [batch] },
  { name: 'encoder_attention_mask', type: 'int64', shape: [batch, L] }
]

describe('PixArt transformer shape from its graph inputs', () => {
  it('a static export makes one size at its batch and text length; others are refused by name', () => {
    const shape = pixartShape(io(2, 16, 16, 16), configs, 'model.onnx')
    expect(shape).toMatchObject({ fixed: { width: 32, height: 32 }, fixedBatch: 2, fixedTextLength: 16 })
    expect(() => checkPixArtSize(shape, 32, 32, 'pixart')).not.toThrow()
    expect(() => checkPixArtSize(shape, 64, 32, 'pixart')).toThrow(/makes 32×32 images only/)
  })

  it('a dynamic export takes any multiple of VAE scale · patch', () => {
    const shape = pixartShape(io('batch', 'h', 'w', 'seq'), configs, 'model.onnx')
    expect(shape).toMatchObject({ fixed: null, fixedBatch: null, fixedTextLength: null, multipleOf: 4 })
    expect(() => checkPixArtSize(shape, 48, 20, 'pixart')).not.toThrow()
    expect(() => checkPixArtSize(shape, 30, 20, 'pixart')).toThrow(
      /width 30: pixart makes images whose sides are multiples of 4/
    )
  })

  it('refuses a graph whose batch the pipeline cannot call, or whose channels are not the config’s', () => {
    expect(() => pixartShape(io(3, 16, 16, 16), configs, 'model.onnx')).toThrow(/batch is fixed at 3/)
    expect(() => pixartShape(io(2, 16, 16, 16, 8), configs, 'model.onnx')).toThrow(
      /8 channels.*in_channels is 4/
    )
    expect(() => pixartShape(io(2, 16, 16, 16).slice(1), configs, 'model.onnx')).toThrow(
      /takes hidden_states and encoder_hidden_states/
    )
  })
})

describe("Python's JSON", () => {
  it('reads -Infinity, Infinity and NaN outside strings, and leaves them alone inside strings', () => {
    const v = parsePythonJson(
      '{"a": -Infinity, "b": [Infinity, NaN], "c": "-Infinity \\" NaN", "d": 1e3}',
      'x.json'
    ) as Record<string, unknown>
    expect(v.a).toBe(-Infinity)
    expect(v.b).toEqual([Infinity, NaN])
    expect(v.c).toBe('-Infinity " NaN')
    expect(v.d).toBe(1000)
  })

  it('refuses what is not JSON, naming the file', () => {
    expect(() => parsePythonJson('{"a": -Inf}', 'scheduler_config.json')).toThrow(
      /scheduler_config.json: not valid JSON/
    )
  })
})
