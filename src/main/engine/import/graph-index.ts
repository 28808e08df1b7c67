import type { onnx as Onnx } from 'onnx-proto'
import { onnx, toNumber } from '../model/onnx-graph'

/**
 * The transformer graph as the partitioner sees it: nodes in a topological order (the file's
 * order where it is one: onnxruntime's float16 converter appends its input casts at the end),
 * who produces and who reads each tensor, and each tensor's element type (inferred: TorchScript
 * exports carry no value_info).
 */

export type Node = Onnx.INodeProto
export const DT = onnx.TensorProto.DataType

export interface GraphIndex {
  nodes: Node[]
  /** Original file position of nodes[i] (its metadata is found by it). */
  filePos: number[]
  producer: Map<string, number>
  consumers: Map<string, number[]>
  /** Graph inputs that are not initializers, in order. */
  inputs: Onnx.IValueInfoProto[]
  outputs: Onnx.IValueInfoProto[]
  initializers: Map<string, Onnx.ITensorProto>
  reads: string[][]
  elemType(tensor: string): number
}

/** Every name a node reads, including outer-scope names its subgraphs use. */
export function namesRead(node: Node): string[] {
  const names = [...(node.input ?? [])].filter((n) => n !== '')
  for (const a of node.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      if (!g) continue
      const inner = new Set<string>()
      for (const n of g.node ?? []) for (const o of n.output ?? []) inner.add(o)
      for (const i of g.initializer ?? []) inner.add(i.name ?? '')
      for (const i of g.input ?? []) inner.add(i.name ?? '')
      for (const n of g.node ?? []) for (const r of namesRead(n)) if (!inner.has(r)) names.push(r)
    }
  }
  return names
}

export function indexGraph(graph: Onnx.IGraphProto): GraphIndex {
  const original = graph.node ?? []
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]))
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ''))
  const order = topoOrder(original)
  const nodes = order.map((i) => original[i])
  const reads = nodes.map(namesRead)
  const producer = new Map<string, number>()
  const consumers = new Map<string, number[]>()
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producer.set(o, i)))
  reads.forEach((names, i) => {
    for (const name of new Set(names)) {
      const list = consumers.get(name)
      if (list) list.push(i)
      else consumers.set(name, [i])
    }
  })
  const declared = new Map<string, number>()
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
    const t = v.type?.tensorType?.elemType
    if (t) declared.set(v.name ?? '', t)
  }
  for (const [name, t] of initializers) declared.set(name, t.dataType ?? DT.UNDEFINED)
  const types = new Map<string, number>()
  const elemType = (tensor: string): number => {
    const known = declared.get(tensor) ?? types.get(tensor)
    if (known !== undefined) return known
    // Nodes are in topological order, so inferring in that order never recurses deeply.
    return DT.UNDEFINED
  }
  nodes.forEach((n, i) => {
    const outs = n.output ?? []
    outs.forEach((o, slot) => {
      if (!o || declared.has(o)) return
      types.set(o, inferType(n, slot, reads[i], elemType))
    })
  })
  return {
    nodes,
    filePos: order,
    producer,
    consumers,
    inputs,
    outputs: graph.output ?? [],
    initializers,
    reads,
    elemType
  }
}

/**
 * A topological order that keeps the file's order wherever it already is one: each node is
 * placed after the producers of everything it reads (iterative, so a 10 000-node chain does not
 * overflow the stack).
 */
function topoOrder(nodes: readonly Node[]): number[] {
  const producer = new Map<string, number>()
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producer.set(o, i)))
  const state = new Uint8Array(nodes.length) // 0 new, 1 on the stack, 2 placed
  const order: number[] = []
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue
    const stack: [number, number][] = [[root, 0]]
    state[root] = 1
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      const deps = namesRead(nodes[top[0]])
        .map((r) => producer.get(r))
        .filter((p): p is number => p !== undefined)
      if (top[1] < deps.length) {
        const dep = deps[top[1]++]
        if (state[dep] === 1) throw new Error(`the graph has a cycle through node ${nodes[dep].name ?? dep}`)
        if (state[dep] === 0) {
          state[dep] = 1
          stack.push([dep, 0])
        }
        continue
      }
      stack.pop()
      state[top[0]] = 2
      order.push(top[0])
    }
  }
  return order
}

const BOOL_OPS = new Set([
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf'
])
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression'])

/** The element type of output `slot` of `node`: ONNX's type rules for the ops DiT graphs use. */
function inferType(node: Node, slot: number, reads: string[], typeOf: (t: string) => number): number {
  const op = node.opType ?? ''
  const attr = (name: string) => (node.attribute ?? []).find((a) => a.name === name)
  const input = (i: number) => {
    const name = (node.input ?? [])[i]
    return name ? typeOf(name) : DT.UNDEFINED
  }
  if (op === 'Cast') return toNumber(attr('to')?.i)
  if (op === 'CastLike') return input(1)
  if (INT64_OPS.has(op)) return DT.INT64
  if (BOOL_OPS.has(op)) return DT.BOOL
  if (op === 'Constant') {
    const a = node.attribute?.[0]
    if (a?.t) return a.t.dataType ?? DT.UNDEFINED
    if (a?.name === 'value_float' || a?.name === 'value_floats') return DT.FLOAT
    if (a?.name === 'value_int' || a?.name === 'value_ints') return DT.INT64
    return DT.UNDEFINED
  }
  if (op === 'ConstantOfShape') return attr('value')?.t?.dataType ?? DT.FLOAT
  if (op === 'EyeLike' || op === 'RandomNormalLike' || op === 'RandomUniformLike')
    return toNumber(attr('dtype')?.i) || input(0)
  if (op === 'Where') return input(1)
  if (op === 'TopK') return slot === 1 ? DT.INT64 : input(0)
  if (op === 'MaxPool' && slot === 1) return DT.INT64
  if (op === 'LayerNormalization' && slot > 0) return toNumber(attr('stash_type')?.i) || DT.FLOAT
  if (op === 'DequantizeLinear') return input(1)
  if (op === 'QuantizeLinear') return input(2) || DT.UINT8
  // Elementwise ops, shape ops and the rest: their first input's type.
  const first = reads[0]
  return first ? typeOf(first) : DT.UNDEFINED
}

/** ONNX's name of an element type, for messages. */
export function typeName(t: number): string {
  return (onnx.TensorProto.DataType as unknown as Record<number, string>)[t] ?? `type ${t}`
}
