import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { onnx as Onnx } from 'onnx-proto'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { writeBigTransformer } from '../import/big-transformer'

/**
 * A FLUX-shaped transformer (import/big-transformer.ts) whose every block also carries a chain
 * of `chain` Neg nodes (an even number: the stream comes out unchanged) between its hidden-stream
 * MatMul and residual Add, so a graph of a real FLUX's node count (~20k) is built at test time
 * with small weights. What takes the importer long is decoding and cutting that many nodes, not
 * the weights. Returns the graph's node count.
 */
export function writeManyNodeTransformer(dir: string, blocks: number, chain: number, D = 32): number {
  if (chain % 2 !== 0) throw new Error('chain must be even (pairs of Neg leave the stream unchanged)')
  writeBigTransformer(dir, blocks, D)
  const path = join(dir, 'model.onnx')
  const model = onnx.ModelProto.decode(readFileSync(path))
  const g = model.graph
  if (!g?.node) throw new Error('model.onnx has no graph')
  const nodes: Onnx.INodeProto[] = []
  for (const n of g.node) {
    const m = /^(\/transformer_blocks\.\d+)\/MatMul$/.exec(n.name ?? '')
    if (!m) {
      nodes.push(n)
      continue
    }
    const out = n.output?.[0] as string
    let x = `${m[1]}/MatMul_raw`
    nodes.push(onnx.NodeProto.create({ ...n, output: [x] }))
    for (let j = 0; j < chain; j++) {
      const y = j === chain - 1 ? out : `${m[1]}/Neg_${j}_output_0`
      nodes.push(onnx.NodeProto.create({ name: `${m[1]}/Neg_${j}`, opType: 'Neg', input: [x], output: [y] }))
      x = y
    }
  }
  g.node = nodes
  writeFileSync(path, encodeModel(model))
  return nodes.length
}
