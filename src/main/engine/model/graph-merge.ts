import type { onnx as Onnx } from 'onnx-proto'
import { fuseNormsAndGelu } from './graph-fusion'
import { moveSlices } from './graph-slices'
import { encodeModel, onnx, toNumber, type ModelProto } from './onnx-graph'

/**
 * Merges several ONNX graphs into one by renaming: each part's names get a unique prefix, except
 * the inputs it is wired to (another part's output or a shared graph input) and the outputs the
 * merged graph exposes. ONNX Runtime then runs the whole chain in one session call, tensors stay
 * in its arena between parts, and one thread pool serves every operator. An initializer kept in
 * an external-data file stays a reference (location, offset, length) under its new name: the
 * session that runs the merged graph resolves it (Session.create's external-data folder).
 */

export interface GraphPart {
  model: ModelProto
  /** Unique per part, e.g. `b3/`; prefixes every name that is not wired. */
  prefix: string
  /** Every graph input of the part → the merged-graph name it reads. */
  inputs: Record<string, string>
  /** Outputs the merged graph exposes under a fixed name; others keep the prefixed name. */
  outputs: Record<string, string>
}

export interface MergeSpec {
  name: string
  inputs: readonly string[]
  outputs: readonly string[]
  /**
   * Fixes the batch axis (the symbolic first dim of the graph inputs) to this size. With every
   * shape static, ONNX Runtime folds the Shape → Gather → Unsqueeze → Concat chains that a
   * dynamic batch leaves in each block: 104 → 62 nodes in a shapes-flux-tiny block, 20-30 % less
   * time per call, same numbers.
   */
  batch?: number
  /**
   * Rewrites the decomposed LayerNorm / RMSNorm / tanh-GELU chains into ONNX Runtime's fused
   * kernels (model/graph-fusion.ts) and cuts the chunk-and-rejoin copies between blocks
   * (model/graph-slices.ts); on unless false. Off gives the parts' own operators, the yardstick
   * the rewrites are checked and measured against.
   */
  fuse?: boolean
}

/** Fusions need Slice with inputs and ConstantOfShape (opset 10, 9); older graphs keep theirs. */
const FUSION_MIN_OPSET = 13

type Graph = Onnx.IGraphProto

export function mergeGraphs(parts: readonly GraphPart[], spec: MergeSpec): Uint8Array {
  const nodes: Onnx.INodeProto[] = []
  const initializers: Onnx.ITensorProto[] = []
  const valueInfo: Onnx.IValueInfoProto[] = []
  const inputInfo = new Map<string, Onnx.IValueInfoProto>()
  const outputInfo = new Map<string, Onnx.IValueInfoProto>()
  const opsets = new Map<string, number>()
  const functions = new Map<string, Onnx.IFunctionProto>()
  let irVersion = 0

  for (const part of parts) {
    const graph = part.model.graph
    if (!graph) throw new Error(`part ${part.prefix} has no graph`)
    const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''))
    for (const input of graph.input ?? []) {
      const name = input.name ?? ''
      if (initNames.has(name)) continue
      if (!(name in part.inputs)) throw new Error(`part ${part.prefix}: input "${name}" is not wired`)
    }
    const rename = (n: string | null | undefined): string => {
      if (!n) return ''
      if (n in part.inputs) return part.inputs[n]
      if (n in part.outputs) return part.outputs[n]
      return part.prefix + n
    }
    const g = renameGraph(graph, rename, part.prefix)
    nodes.push(...(g.node ?? []))
    initializers.push(...(g.initializer ?? []))
    valueInfo.push(...(g.valueInfo ?? []))
    for (const v of g.input ?? []) if (!inputInfo.has(v.name ?? '')) inputInfo.set(v.name ?? '', v)
    for (const v of g.output ?? []) outputInfo.set(v.name ?? '', v)
    for (const o of part.model.opsetImport ?? []) {
      const domain = o.domain ?? ''
      opsets.set(domain, Math.max(opsets.get(domain) ?? 0, toNumber(o.version)))
    }
    for (const f of part.model.functions ?? []) functions.set(`${f.domain ?? ''}:${f.name ?? ''}`, f)
    irVersion = Math.max(irVersion, toNumber(part.model.irVersion))
  }

  const pick = (names: readonly string[], info: Map<string, Onnx.IValueInfoProto>, what: string) =>
    names.map((n) => {
      const v = info.get(n)
      if (!v) throw new Error(`merged graph ${what} "${n}" is produced by no part`)
      return v
    })
  const outputs = pick(spec.outputs, outputInfo, 'output')
  const fusion =
    spec.fuse !== false && (opsets.get('') ?? 0) >= FUSION_MIN_OPSET
      ? fuseNormsAndGelu(nodes, initializers, spec.outputs)
      : null
  if (fusion) {
    initializers.push(...fusion.initializers)
    if (fusion.usesMicrosoftDomain) opsets.set('com.microsoft', Math.max(1, opsets.get('com.microsoft') ?? 0))
  }
  const moved = fusion
    ? moveSlices(
        fusion.nodes,
        initializers,
        spec.outputs,
        ranksOf([...valueInfo, ...inputInfo.values(), ...outputInfo.values()])
      )
    : null
  if (moved) initializers.push(...moved.initializers)
  const live = liveNodes(moved ? moved.nodes : nodes, spec.outputs)
  const used = namesUsed(live)
  const inputs = pick(spec.inputs, inputInfo, 'input').filter((v) => used.has(v.name ?? ''))

  const fix = spec.batch === undefined ? null : batchFixer(inputs, spec.batch)
  const merged: Onnx.IModelProto = {
    irVersion,
    producerName: 'cache-studio segment compiler',
    opsetImport: [...opsets].map(([domain, version]) => ({ domain, version })),
    functions: [...functions.values()],
    graph: {
      name: spec.name,
      node: live,
      input: fix ? inputs.map(fix) : inputs,
      output: fix ? outputs.map(fix) : outputs,
      initializer: initializers.filter((t) => used.has(t.name ?? '')),
      valueInfo: valueInfo.filter((v) => used.has(v.name ?? '')).map((v) => (fix ? fix(v) : v))
    }
  }
  return encodeModel(merged)
}

/** The ranks the value infos state (a dim list present, named or numbered dims alike). */
function ranksOf(infos: readonly Onnx.IValueInfoProto[]): Map<string, number> {
  const ranks = new Map<string, number>()
  for (const v of infos) {
    const dims = v.type?.tensorType?.shape?.dim
    if (v.name && dims) ranks.set(v.name, dims.length)
  }
  return ranks
}

/**
 * A function that copies a value info with every dim named like an input's first dim (the batch
 * symbol) set to `batch`. Copies, never edits: the parts' protos are shared by other segments.
 */
function batchFixer(
  inputs: readonly Onnx.IValueInfoProto[],
  batch: number
): (v: Onnx.IValueInfoProto) => Onnx.IValueInfoProto {
  const symbols = new Set<string>()
  for (const v of inputs) {
    const first = v.type?.tensorType?.shape?.dim?.[0]
    if (first?.dimParam) symbols.add(first.dimParam)
  }
  return (v) => {
    const tensor = v.type?.tensorType
    const dims = tensor?.shape?.dim
    if (!tensor || !dims || !dims.some((d) => d.dimParam && symbols.has(d.dimParam))) return v
    const dim = dims.map((d) => (d.dimParam && symbols.has(d.dimParam) ? { dimValue: batch } : d))
    return { ...v, type: { ...v.type, tensorType: { ...tensor, shape: { ...tensor.shape, dim } } } }
  }
}

/** A copy of the graph with every name passed through `rename` (subgraphs included). */
function renameGraph(graph: Graph, rename: (n: string) => string, prefix: string): Graph {
  const vi = (v: Onnx.IValueInfoProto): Onnx.IValueInfoProto => ({ ...v, name: rename(v.name ?? '') })
  return {
    ...graph,
    node: (graph.node ?? []).map((node) => ({
      ...node,
      name: node.name ? prefix + node.name : node.name,
      input: (node.input ?? []).map(rename),
      output: (node.output ?? []).map(rename),
      attribute: (node.attribute ?? []).map((a) => ({
        ...a,
        g: a.g ? renameGraph(a.g, rename, prefix) : a.g,
        graphs: (a.graphs ?? []).map((sub) => renameGraph(sub, rename, prefix))
      }))
    })),
    initializer: (graph.initializer ?? []).map((t) =>
      onnx.TensorProto.create({ ...t, name: rename(t.name ?? '') })
    ),
    sparseInitializer: graph.sparseInitializer ?? [],
    input: (graph.input ?? []).map(vi),
    output: (graph.output ?? []).map(vi),
    valueInfo: (graph.valueInfo ?? []).map(vi)
  }
}

/**
 * Nodes the outputs depend on, in their original (topological) order. Per-block graphs of
 * Pattern_4/5 return an encoder stream that the next block never reads; dropping those nodes
 * keeps a segment from computing them.
 */
function liveNodes(nodes: Onnx.INodeProto[], outputs: readonly string[]): Onnx.INodeProto[] {
  const producer = new Map<string, number>()
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)))
  const keep = new Set<number>()
  const stack = [...outputs]
  while (stack.length > 0) {
    const name = stack.pop() as string
    const i = producer.get(name)
    if (i === undefined || keep.has(i)) continue
    keep.add(i)
    stack.push(...namesRead(nodes[i]))
  }
  return nodes.filter((_, i) => keep.has(i))
}

/** Every name a node reads, including outer-scope names its subgraphs use. */
function namesRead(node: Onnx.INodeProto): string[] {
  const names = [...(node.input ?? [])].filter((n) => n !== '')
  for (const a of node.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      if (!g) continue
      for (const inner of g.node ?? []) names.push(...namesRead(inner))
    }
  }
  return names
}

function namesUsed(nodes: Onnx.INodeProto[]): Set<string> {
  const used = new Set<string>()
  for (const n of nodes) {
    for (const name of namesRead(n)) used.add(name)
    for (const name of n.output ?? []) used.add(name)
  }
  return used
}
