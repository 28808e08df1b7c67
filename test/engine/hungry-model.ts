import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { onnx as Onnx } from 'onnx-proto'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { sha256 } from '../../src/main/engine/model/verify-files'
import { fixture } from './fixtures'

/**
 * A copy of the tiny-p3 fixture whose second block makes a huge tensor: ConstantOfShape of a
 * shape that is either a constant of the graph (`static`: the load-time estimate can see it) or
 * computed from the block's input at run time (`dynamic`: only ONNX Runtime's allocation sees it).
 * The tensor is reduced to a scalar, multiplied by 0 and added to the block's input, so the block
 * is otherwise unchanged. Built at test time with onnx-proto so no large fixture is stored.
 */

const BLOCK = 'transformer/blocks_01.onnx'

export function hungryPackage(
  dir: string,
  id: string,
  shape: { static: number[] } | { dynamic: number[] }
): string {
  cpSync(fixture('tiny-p3'), dir, { recursive: true })
  const path = join(dir, BLOCK)
  const model = onnx.ModelProto.decode(readFileSync(path))
  const g = model.graph
  if (!g) throw new Error(`${BLOCK} has no graph`)
  const initializers = (g.initializer ??= [])
  const nodes = g.node ?? []
  const int64 = (name: string, values: number[]) =>
    onnx.TensorProto.create({
      name,
      dataType: onnx.TensorProto.DataType.INT64,
      dims: [values.length],
      int64Data: values
    })
  const node = (opType: string, input: string[], output: string[], attribute: Onnx.IAttributeProto[] = []) =>
    onnx.NodeProto.create({ opType, input, output, attribute, name: `hungry_${output[0]}` })

  const added: Onnx.NodeProto[] = []
  if ('static' in shape) {
    initializers.push(int64('hungry_shape', shape.static))
  } else {
    const dims = shape.dynamic
    initializers.push(
      int64(
        'hungry_zero',
        dims.map(() => 0)
      ),
      int64('hungry_dims', dims)
    )
    // Shape of hidden_states has rank 3; the dims must have as many entries.
    added.push(
      node('Shape', ['hidden_states'], ['hungry_in_shape']),
      node('Mul', ['hungry_in_shape', 'hungry_zero'], ['hungry_zeros']),
      node('Add', ['hungry_zeros', 'hungry_dims'], ['hungry_shape'])
    )
  }
  initializers.push(
    onnx.TensorProto.create({
      name: 'hungry_zero_f',
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [],
      floatData: [0]
    })
  )
  const one = onnx.TensorProto.create({
    name: 'one',
    dataType: onnx.TensorProto.DataType.FLOAT,
    dims: [1],
    floatData: [1]
  })
  added.push(
    node(
      'ConstantOfShape',
      ['hungry_shape'],
      ['hungry_big'],
      [onnx.AttributeProto.create({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: one })]
    ),
    node(
      'ReduceSum',
      ['hungry_big'],
      ['hungry_sum'],
      [onnx.AttributeProto.create({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 })]
    ),
    node('Mul', ['hungry_sum', 'hungry_zero_f'], ['hungry_nothing']),
    node('Add', ['hidden_states', 'hungry_nothing'], ['hungry_hidden'])
  )
  for (const n of nodes) n.input = (n.input ?? []).map((i) => (i === 'hidden_states' ? 'hungry_hidden' : i))
  // Shape was the first reader of hidden_states in the dynamic case: keep it on the real input.
  for (const n of added)
    if (n.opType === 'Shape' || n.output[0] === 'hungry_hidden') n.input[0] = 'hidden_states'
  g.node = [...added, ...nodes]
  const bytes = encodeModel(model)
  writeFileSync(path, bytes)

  const manifestPath = join(dir, 'model.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  manifest.id = id
  manifest.files[BLOCK] = sha256(bytes)
  writeFileSync(manifestPath, JSON.stringify(manifest))
  return dir
}
