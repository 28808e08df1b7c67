import type { onnx as Onnx } from 'onnx-proto'
import type { ForwardPattern } from '../../../shared/manifest'
import { ENCODER, ENCODER_OUT, HIDDEN, HIDDEN_OUT, PATTERN_IO } from '../model/patterns'
import { onnx, type ModelProto } from '../model/onnx-graph'
import type { Boundaries } from './boundaries'
import { DT, type GraphIndex, type Node } from './graph-index'
import type { Partition } from './partition'

/**
 * The cut graphs, in the engine's package contract (docs/model-package.md): embed (engine input
 * names, outputs `hidden_states`, `encoder_hidden_states` and the context tensors), one graph per
 * block (pattern I/O + the contexts it reads, + the tensors of its cross-block reads), final
 * (output `velocity`). Every tensor the engine feeds or reads is float32 whatever the model's
 * precision: fp16 graphs get Casts at their edges, so the engine's streams and the cache's
 * residual arithmetic stay float32. Context tensors keep their type (the engine passes non-float32 ones through
 * untouched), and so do the cross-block reads' tensors (they stay inside a compiled segment).
 * Initializers are copied as they are: an external-data one keeps its location, offset and
 * length, so no weight is copied.
 */

export interface EmitSpec {
  /** Engine embed input name → the graph input it is (latent: hidden_states, …); others keep theirs. */
  inputNames: Readonly<Record<string, string>>
  patterns: readonly ForwardPattern[]
  /**
   * Rank of the residual streams ([B, tokens, D]: 3 for FLUX), declared on the stream inputs and
   * outputs as [batch, ?, ?] where the graph has no value_info (TorchScript): the segment compiler
   * can then fix the batch axis of later segments too (MergeSpec.batch).
   */
  streamRank?: number
}

export interface CutGraphs {
  embed: ModelProto
  blocks: ModelProto[]
  final: ModelProto
  /** Context tensor names as the cut graphs call them, with their element type. */
  contexts: Map<string, number>
}

const RESERVED = new Set([
  'latent',
  'timestep',
  'text_hidden',
  'text_pooled',
  'text_mask',
  'velocity',
  HIDDEN,
  ENCODER,
  HIDDEN_OUT,
  ENCODER_OUT
])
const FLOATS = new Set<number>([DT.FLOAT16, DT.DOUBLE])

export function emitCutGraphs(
  model: ModelProto,
  index: GraphIndex,
  part: Partition,
  bounds: Boundaries,
  spec: EmitSpec
): CutGraphs {
  const graphInputs = new Set(index.inputs.map((v) => v.name ?? ''))
  // Original names → cut-graph names: graph inputs move aside (the embed graph's inputs take the
  // engine's names and feed them through a Cast/Identity), and so does any tensor that happens to
  // carry one of the engine's interface names.
  const rename = (n: string): string =>
    !n ? n : graphInputs.has(n) ? `__in__/${n}` : RESERVED.has(n) ? `__src__/${n}` : n
  const batch = index.inputs.find((v) => v.name === spec.inputNames.latent)?.type?.tensorType?.shape?.dim?.[0]
  const batchSymbol = batch?.dimParam ?? null
  const valueInfo = new Map((model.graph?.valueInfo ?? []).map((v) => [v.name ?? '', v]))
  const typed = (name: string, original: string, elemType: number): Onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: shapeOf(original) } }
  })
  const shapeOf = (original: string): Onnx.ITensorShapeProto | undefined => {
    const v = valueInfo.get(original) ?? index.inputs.find((i) => i.name === original)
    const dims = v?.type?.tensorType?.shape?.dim
    if (!dims) return undefined
    // Only the batch symbol stays: the segment compiler fixes every first dim it finds among the
    // inputs (MergeSpec.batch), and img_ids' [packed_height_width, 3] must not become [1, 3].
    return { dim: dims.map((d) => (d.dimParam && d.dimParam !== batchSymbol ? {} : d)) }
  }
  const streamTyped = (name: string, original: string): Onnx.IValueInfoProto => {
    const v = typed(name, original, DT.FLOAT)
    if (v.type?.tensorType?.shape || !spec.streamRank || !batchSymbol) return v
    const dim = [{ dimParam: batchSymbol }, ...Array.from({ length: spec.streamRank - 1 }, () => ({}))]
    return { name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim } } } }
  }
  const engineName = (input: string) =>
    Object.entries(spec.inputNames).find(([, orig]) => orig === input)?.[0] ?? input
  const contexts = new Map<string, number>()
  for (const [t, c] of bounds.contexts) contexts.set(rename(t), c.type)

  const build = (s: number, label: string, edges: Edges): ModelProto => {
    const nodes: Node[] = [...edges.before]
    for (const [p, readers] of bounds.replicated) if (readers.includes(s)) nodes.push(index.nodes[p])
    index.nodes.forEach((n, i) => {
      if (part.segment[i] === s) nodes.push(n)
    })
    nodes.push(...edges.after)
    const renamed = nodes.map((n, k) =>
      k < edges.before.length || k >= nodes.length - edges.after.length ? n : renameNode(n, rename)
    )
    const used = new Set<string>()
    for (const n of nodes) for (const r of namesReadDeep(n)) used.add(r)
    const initializer = [...index.initializers]
      .filter(([name]) => used.has(name))
      .map(([name, t]) => onnx.TensorProto.create({ ...t, name: rename(name) }))
    return onnx.ModelProto.create({
      irVersion: model.irVersion,
      producerName: 'cache-studio import',
      opsetImport: model.opsetImport,
      functions: model.functions,
      graph: { name: label, node: renamed, initializer, input: edges.inputs, output: edges.outputs }
    })
  }

  // Embed: engine-named float32 inputs → the original inputs; streams out as float32; contexts.
  const embedEdges: Edges = { before: [], after: [], inputs: [], outputs: [] }
  const needed = new Set<string>()
  index.nodes.forEach((_, i) => {
    if (part.segment[i] === 0) for (const r of index.reads[i]) if (graphInputs.has(r)) needed.add(r)
  })
  for (const t of bounds.contexts.keys()) if (graphInputs.has(t)) needed.add(t)
  for (const v of index.inputs) {
    const orig = v.name ?? ''
    if (!needed.has(orig)) continue
    const type = v.type?.tensorType?.elemType ?? DT.FLOAT
    // The engine feeds its named inputs as float32 (a text mask's 0/1, an integer timestep).
    const named = engineName(orig) !== orig
    const outside = FLOATS.has(type) || named ? DT.FLOAT : type
    embedEdges.inputs.push(typed(engineName(orig), orig, outside))
    embedEdges.before.push(convert(engineName(orig), rename(orig), outside, type))
  }
  const [h0, e0] = [bounds.streams[0].hidden, bounds.streams[0].encoder]
  embedEdges.after.push(convert(rename(h0), HIDDEN, index.elemType(h0), DT.FLOAT))
  embedEdges.outputs.push(streamTyped(HIDDEN, h0))
  if (e0) {
    embedEdges.after.push(convert(rename(e0), ENCODER, index.elemType(e0), DT.FLOAT))
    embedEdges.outputs.push(streamTyped(ENCODER, e0))
  }
  for (const [t, c] of bounds.contexts) embedEdges.outputs.push(typed(rename(t), t, c.type))
  const embed = build(0, 'embed', embedEdges)

  const listOf = (s: number) =>
    part.lists.findIndex((l) => s >= l.firstSegment && s < l.firstSegment + l.size)
  const blocks: ModelProto[] = []
  for (let s = 1; s <= part.blocks; s++) {
    const io = PATTERN_IO[spec.patterns[listOf(s)]]
    const before = bounds.streams[s - 1]
    const after = bounds.streams[s]
    const edges: Edges = { before: [], after: [], inputs: [], outputs: [] }
    const streamIn = (name: string, t: string) => {
      edges.inputs.push(streamTyped(name, t))
      edges.before.push(convert(name, rename(t), DT.FLOAT, index.elemType(t)))
    }
    streamIn(HIDDEN, before.hidden)
    if (io.takesEncoder && before.encoder) streamIn(ENCODER, before.encoder)
    for (const t of bounds.contextsOf.get(s) ?? []) edges.inputs.push(typed(rename(t), t, index.elemType(t)))
    for (const out of io.outputs) {
      const t = out === HIDDEN_OUT ? after.hidden : (after.encoder as string)
      edges.after.push(convert(rename(t), out, index.elemType(t), DT.FLOAT))
      edges.outputs.push(streamTyped(out, t))
    }
    // Cross-block reads: the producer returns the tensor under its cut-graph name, as it is, and
    // the reader takes it under the same name; a segment holding both wires one to the other.
    const made = new Set(bounds.crossReads.filter((r) => r.from === s).map((r) => r.tensor))
    const read = new Set(bounds.crossReads.filter((r) => r.to === s).map((r) => r.tensor))
    for (const t of made) edges.outputs.push(typed(rename(t), t, index.elemType(t)))
    for (const t of read) edges.inputs.push(typed(rename(t), t, index.elemType(t)))
    blocks.push(build(s, `${part.segmentName(s)}`, edges))
  }

  const last = bounds.streams[part.blocks]
  const out = index.outputs[0]?.name ?? ''
  const finalEdges: Edges = { before: [], after: [], inputs: [], outputs: [] }
  finalEdges.inputs.push(streamTyped(HIDDEN, last.hidden))
  finalEdges.before.push(convert(HIDDEN, rename(last.hidden), DT.FLOAT, index.elemType(last.hidden)))
  for (const t of bounds.contextsOf.get(part.finalSegment) ?? [])
    finalEdges.inputs.push(typed(rename(t), t, index.elemType(t)))
  finalEdges.after.push(convert(rename(out), 'velocity', index.elemType(out), DT.FLOAT))
  finalEdges.outputs.push(typed('velocity', out, DT.FLOAT))
  const final = build(part.finalSegment, 'final', finalEdges)
  return { embed, blocks, final, contexts }
}

interface Edges {
  before: Node[]
  after: Node[]
  inputs: Onnx.IValueInfoProto[]
  outputs: Onnx.IValueInfoProto[]
}

/** `to = from` as type `toType`: a Cast where the types differ, else an Identity. */
function convert(from: string, to: string, fromType: number, toType: number): Node {
  const name = `cache_studio_edge/${to}`
  if (fromType === toType || fromType === DT.UNDEFINED)
    return onnx.NodeProto.create({ name, opType: 'Identity', input: [from], output: [to] })
  return onnx.NodeProto.create({
    name,
    opType: 'Cast',
    input: [from],
    output: [to],
    attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: toType }]
  })
}

function renameNode(node: Node, rename: (n: string) => string): Node {
  return onnx.NodeProto.create({
    ...node,
    input: (node.input ?? []).map(rename),
    output: (node.output ?? []).map(rename),
    attribute: (node.attribute ?? []).map((a) =>
      onnx.AttributeProto.create({
        ...a,
        g: a.g ? renameGraph(a.g, rename) : a.g,
        graphs: (a.graphs ?? []).map((g) => renameGraph(g, rename))
      })
    )
  })
}

function renameGraph(g: Onnx.IGraphProto, rename: (n: string) => string): Onnx.IGraphProto {
  return { ...g, node: (g.node ?? []).map((n) => renameNode(n, rename)) }
}

function namesReadDeep(node: Node): string[] {
  const names = [...(node.input ?? [])]
  for (const a of node.attribute ?? [])
    for (const g of [a.g, ...(a.graphs ?? [])])
      if (g) for (const n of g.node ?? []) names.push(...namesReadDeep(n))
  return names
}
