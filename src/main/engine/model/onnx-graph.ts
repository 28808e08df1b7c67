import pkg from 'onnx-proto'
import type { onnx as Onnx } from 'onnx-proto'

/**
 * ONNX protobuf read/write (onnx-proto's generated protobufjs code). The loader uses it to tell
 * a truncated file from a changed one and to count parameters; the segment compiler to merge
 * per-block graphs.
 */
export const { onnx } = pkg
export type ModelProto = Onnx.ModelProto
export type GraphProto = Onnx.IGraphProto

/** Parses a model; null when the bytes are not a (complete) ONNX model. */
export function tryDecodeModel(bytes: Uint8Array): { model: ModelProto } | { error: string } {
  try {
    const model = onnx.ModelProto.decode(bytes)
    if (!model.graph) return { error: 'no graph in the file' }
    return { model }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) }
  }
}

export function encodeModel(model: Onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish()
}

/** The graph's real inputs: before IR 4, initializers were listed among the inputs too. */
export function graphInputNames(model: ModelProto): string[] {
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name ?? ''))
  return (model.graph?.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n))
}

export function graphOutputNames(model: ModelProto): string[] {
  return (model.graph?.output ?? []).map((v) => v.name ?? '')
}

/** Declared dims of an input or output: numbers, symbolic names, or null when none are declared. */
export function valueDims(
  model: ModelProto,
  where: 'input' | 'output',
  name: string
): (number | string)[] | null {
  const dims = model.graph?.[where]?.find((v) => v.name === name)?.type?.tensorType?.shape?.dim
  if (!dims) return null
  return dims.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)))
}

/** protobufjs gives int64 fields as numbers or Long objects. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0
  return typeof v === 'number' ? v : v.toNumber()
}

/** Number of values in the graph's initializers (weights), subgraphs included. */
export function parameterCount(graph: GraphProto | null | undefined): number {
  if (!graph) return 0
  let n = 0
  for (const t of graph.initializer ?? []) {
    n += (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1)
  }
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      n += parameterCount(a.g)
      for (const g of a.graphs ?? []) n += parameterCount(g)
    }
  }
  return n
}

/** Whether any initializer keeps its data in a separate file (not supported by the compiler). */
export function usesExternalData(graph: GraphProto | null | undefined): boolean {
  const EXTERNAL = 1
  return (graph?.initializer ?? []).some((t) => t.dataLocation === EXTERNAL)
}
