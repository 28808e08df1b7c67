import type { onnx as Onnx } from 'onnx-proto'
import { encodeModel, onnx } from './onnx-graph'

/**
 * ONNX Runtime's own Cast as a one-node graph: the reference float16.ts's conversions are held to
 * bit for bit (test/engine/float16.test.ts), and what converting at the session's edge is weighed
 * against (tools/bench/float16-edge.mts, model/session.ts).
 */

/** A 1-D tensor of `elemType` (an onnx.TensorProto.DataType) and any length, named `name`. */
export function vectorValue(name: string, elemType: number): Onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'n' }] } } } }
}

/** `output = Cast(input)` to element type `to`. */
export function castNode(input: string, output: string, to: number): Onnx.NodeProto {
  return onnx.NodeProto.create({
    opType: 'Cast',
    input: [input],
    output: [output],
    attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }]
  })
}

/** The model bytes of `y = Cast(x)` from a 1-D `from` tensor to `to`. */
export function castGraph(from: number, to: number): Uint8Array {
  return encodeModel(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 18 }],
      graph: {
        name: 'cast',
        node: [castNode('x', 'y', to)],
        input: [vectorValue('x', from)],
        output: [vectorValue('y', to)]
      }
    })
  )
}
