import type { onnx as Onnx } from 'onnx-proto'
import { toNumber } from './onnx-graph'

/**
 * A read-only index over a graph's nodes for pattern matching (model/graph-fusion.ts): who makes
 * and who reads each value, which names are initializers, and the values of small constants.
 */
export class GraphView {
  readonly #producer = new Map<string, Onnx.INodeProto>()
  readonly #consumers = new Map<string, Onnx.INodeProto[]>()
  readonly #initializers = new Map<string, Onnx.ITensorProto>()
  readonly #constants = new Map<string, Onnx.IAttributeProto>()
  readonly #outputs: ReadonlySet<string>

  constructor(
    nodes: readonly Onnx.INodeProto[],
    initializers: readonly Onnx.ITensorProto[],
    graphOutputs: readonly string[]
  ) {
    this.#outputs = new Set(graphOutputs)
    for (const t of initializers) this.#initializers.set(t.name ?? '', t)
    for (const n of nodes) {
      for (const o of n.output ?? []) this.#producer.set(o, n)
      // A node that reads a name twice (Mul(d, d)) is one consumer of it.
      for (const i of new Set(n.input ?? [])) {
        if (i === '') continue
        const list = this.#consumers.get(i)
        if (list) list.push(n)
        else this.#consumers.set(i, [n])
      }
      const value = n.opType === 'Constant' ? n.attribute?.[0] : undefined
      if (value && n.output?.[0]) this.#constants.set(n.output[0], value)
    }
  }

  producer(name: string | null | undefined): Onnx.INodeProto | null {
    return (name && this.#producer.get(name)) || null
  }

  consumers(name: string): readonly Onnx.INodeProto[] {
    return this.#consumers.get(name) ?? []
  }

  /** The one node reading `node`'s first output, if there is exactly one and it is an `op`. */
  soleConsumer(node: Onnx.INodeProto, op: string): Onnx.INodeProto | null {
    const readers = this.consumers(node.output?.[0] ?? '')
    return readers.length === 1 && readers[0].opType === op ? readers[0] : null
  }

  isInitializer(name: string): boolean {
    return this.#initializers.has(name)
  }

  /**
   * Whether only the chain's last node's output leaves it: every other value it makes is read by
   * chain nodes alone and is no graph output, so the chain can be replaced by one node.
   */
  isClosedChain(chain: readonly Onnx.INodeProto[]): boolean {
    const members = new Set(chain)
    const sink = chain[chain.length - 1]
    for (const n of chain) {
      for (const o of n.output ?? []) {
        if (n === sink && o === n.output?.[0]) continue
        if (this.#outputs.has(o)) return false
        if (this.consumers(o).some((c) => !members.has(c))) return false
      }
    }
    return members.size === chain.length
  }

  /** A constant's tensor: an initializer, or a Constant node's `value`. */
  tensor(name: string): Onnx.ITensorProto | null {
    return this.#initializers.get(name) ?? this.#constants.get(name)?.t ?? null
  }

  /** A Constant node's `value_float` (torch writes scalars as tensors, other exporters may not). */
  floatAttribute(name: string): number | null {
    const a = this.#constants.get(name)
    return a && a.name === 'value_float' && typeof a.f === 'number' ? a.f : null
  }
}

const FLOAT = 1
const INT64 = 7

/** The value of a float32 constant with one element, or null (other types are not matched). */
export function constantScalar(g: GraphView, name: string): number | null {
  const attr = g.floatAttribute(name)
  if (attr !== null) return attr
  const t = g.tensor(name)
  if (!t || t.dataType !== FLOAT || (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1) !== 1)
    return null
  if (t.floatData && t.floatData.length === 1) return t.floatData[0]
  const raw = t.rawData
  if (raw && raw.length === 4) return new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true)
  return null
}

/** Whether a ReduceMean averages over the last axis only and keeps it (the norms' form). */
export function readsLastAxisMean(g: GraphView, node: Onnx.INodeProto): boolean {
  let axes: number[] | null = null
  for (const a of node.attribute ?? []) {
    if (a.name === 'keepdims' && toNumber(a.i) !== 1) return false
    if (a.name === 'axes') axes = (a.ints ?? []).map(toNumber)
  }
  // From opset 18 the axes are an input.
  if (axes === null && node.input?.[1]) axes = int64Values(g.tensor(node.input[1]))
  return axes !== null && axes.length === 1 && axes[0] === -1
}

/** An int64 constant's values (raw or typed), or null for any other type. */
export function int64Values(t: Onnx.ITensorProto | null): number[] | null {
  if (!t || t.dataType !== INT64) return null
  if (t.int64Data && t.int64Data.length > 0) return t.int64Data.map(toNumber)
  const raw = t.rawData
  if (!raw || raw.length % 8 !== 0) return null
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length)
  return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
}
