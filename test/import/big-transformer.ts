import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'

/**
 * A FLUX-shaped transformer graph (FluxPipeline's inputs, TorchScript-style module scopes) whose
 * weights are large and live in `model.onnx_data`, as optimum writes a real FLUX: `blocks`
 * dual-stream blocks, each two D×D MatMuls (hidden and encoder stream) with residual adds, so the
 * partitioner finds one Pattern_1 list. Weights are seeded noise scaled to keep the streams finite.
 * Fits flux-tiny's configs (packed latent 16 channels, T5 width 32). Returns the weights' bytes.
 */
export function writeBigTransformer(dir: string, blocks: number, D: number): number {
  mkdirSync(dir, { recursive: true })
  const chunks: Buffer[] = []
  let offset = 0
  const initializer: ReturnType<typeof onnx.TensorProto.create>[] = []
  let seed = 12345
  const weight = (name: string, rows: number, cols: number) => {
    const a = new Float32Array(rows * cols)
    const scale = 0.2 / Math.sqrt(rows)
    for (let i = 0; i < a.length; i++) {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      a[i] = ((seed >>> 0) / 4294967296 - 0.5) * scale
    }
    const b = Buffer.from(a.buffer)
    chunks.push(b)
    initializer.push(
      onnx.TensorProto.create({
        name,
        dims: [rows, cols],
        dataType: 1,
        dataLocation: 1,
        externalData: [
          { key: 'location', value: 'model.onnx_data' },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(b.length) }
        ]
      })
    )
    offset += b.length
    return name
  }
  const node = (name: string, opType: string, input: string[], output: string[]) =>
    onnx.NodeProto.create({ name, opType, input, output })
  const nodes = [
    node('/x_embedder/MatMul', 'MatMul', ['hidden_states', weight('x_embedder', 16, D)], ['/x_embedder/out']),
    node(
      '/context_embedder/MatMul',
      'MatMul',
      ['encoder_hidden_states', weight('context_embedder', 32, D)],
      ['/context_embedder/out']
    )
  ]
  let h = '/x_embedder/out'
  let e = '/context_embedder/out'
  for (let k = 0; k < blocks; k++) {
    const p = `/transformer_blocks.${k}`
    nodes.push(node(`${p}/MatMul`, 'MatMul', [h, weight(`w${k}`, D, D)], [`${p}/MatMul_output_0`]))
    nodes.push(node(`${p}/MatMul_1`, 'MatMul', [e, weight(`v${k}`, D, D)], [`${p}/MatMul_1_output_0`]))
    nodes.push(node(`${p}/Add`, 'Add', [h, `${p}/MatMul_output_0`], [`${p}/Add_output_0`]))
    nodes.push(node(`${p}/Add_1`, 'Add', [e, `${p}/MatMul_1_output_0`], [`${p}/Add_1_output_0`]))
    h = `${p}/Add_output_0`
    e = `${p}/Add_1_output_0`
  }
  nodes.push(node('/proj_out/MatMul', 'MatMul', [h, weight('proj_out', D, 16)], ['out_hidden_states']))
  const value = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: 1,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
      }
    }
  })
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'cache-studio test',
    opsetImport: [{ domain: '', version: 18 }],
    graph: {
      name: 'big',
      node: nodes,
      initializer,
      input: [
        value('hidden_states', ['batch', 'n', 16]),
        value('encoder_hidden_states', ['batch', 'l', 32]),
        value('pooled_projections', ['batch', 32]),
        value('timestep', ['batch']),
        value('img_ids', ['n', 3]),
        value('txt_ids', ['l', 3]),
        value('guidance', ['batch'])
      ],
      output: [value('out_hidden_states', ['batch', 'n', 16])]
    }
  })
  writeFileSync(join(dir, 'model.onnx'), encodeModel(model))
  writeFileSync(join(dir, 'model.onnx_data'), Buffer.concat(chunks))
  return offset
}
