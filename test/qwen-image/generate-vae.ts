import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'

/**
 * A Qwen-Image folder that can make images: a copy of the fixture's export (transformer/ and
 * scheduler/) with a small synthetic vae_decoder/model.onnx and its config. The decoder maps
 * latent_sample [1, 4, 1, 12, 16] to sample [1, 3, 1, 96, 128] by a 1×1 Conv and an 8× nearest
 * Resize: deterministic, and every latent value reaches the pixels, so a different latent (seed,
 * cache) is a different image.
 */
export function qwenFolderWithVae(source: string, dir: string): string {
  cpSync(source, dir, { recursive: true })
  const vae = join(dir, 'vae_decoder')
  mkdirSync(vae, { recursive: true })
  const f32 = (name: string, dims: number[], values: number[]) =>
    onnx.TensorProto.create({
      name,
      dims,
      dataType: 1,
      rawData: new Uint8Array(new Float32Array(values).buffer)
    })
  const i64 = (name: string, values: number[]) =>
    onnx.TensorProto.create({
      name,
      dims: [values.length],
      dataType: 7,
      rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer)
    })
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
    onnx.NodeProto.create({ name: `/decoder/${output[0]}`, opType, input, output, attribute })
  const value = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } }
  })
  // 3×4 weights: each RGB channel a different mix of the 4 latent channels.
  const weights = [0.5, -0.25, 0.125, 0.3, -0.4, 0.2, 0.35, -0.1, 0.15, 0.45, -0.3, 0.25]
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'cache-studio test',
    opsetImport: [{ domain: '', version: 18 }],
    graph: {
      name: 'qwen_vae_decoder',
      node: [
        node('Reshape', ['latent_sample', 'shape4'], ['flat']),
        node('Conv', ['flat', 'w', 'b'], ['rgb']),
        node(
          'Resize',
          ['rgb', '', 'scales'],
          ['big'],
          [{ name: 'mode', type: 3, s: new TextEncoder().encode('nearest') }]
        ),
        node('Unsqueeze', ['big', 'axis2'], ['sample'])
      ],
      initializer: [
        i64('shape4', [1, 4, 12, 16]),
        f32('w', [3, 4, 1, 1], weights),
        f32('b', [3], [0.1, -0.05, 0]),
        f32('scales', [4], [1, 1, 8, 8]),
        i64('axis2', [2])
      ],
      input: [value('latent_sample', [1, 4, 1, 12, 16])],
      output: [value('sample', [1, 3, 1, 96, 128])]
    }
  })
  writeFileSync(join(vae, 'model.onnx'), encodeModel(model))
  writeFileSync(
    join(vae, 'config.json'),
    JSON.stringify({
      _class_name: 'AutoencoderKLQwenImage',
      z_dim: 4,
      latents_mean: [0.1, -0.2, 0.05, 0],
      latents_std: [1.5, 0.8, 1.2, 1],
      temperal_downsample: [false, true, true]
    })
  )
  return dir
}
