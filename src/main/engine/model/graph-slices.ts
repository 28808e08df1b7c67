import type { onnx as Onnx } from 'onnx-proto'
import { GraphView, int64Values } from './graph-view'
import { toNumber } from './onnx-graph'

/**
 * Two rewrites of how exported blocks cut and paste tensors, each of which moves the same bytes
 * with fewer nodes (a tiny model's call is ONNX Runtime's per-node work: docs/engine.md, "Graph
 * fusion"). Both only copy values, so every dtype gives the same bits.
 *
 * - A modulation's chunks (`emb.chunk(6, -1)`, each then `[:, None]`) are six Slices or one
 *   Split, each chunk followed by its own Unsqueeze: the Unsqueeze moves in front, once, and the
 *   chunks are cut from the unsqueezed value (six Unsqueezes become one).
 * - A single-stream block ends by cutting its joint sequence back into text and image
 *   (`x[:, :n]`, `x[:, n:]`) and the next one begins by joining them (`cat([txt, img], 1)`): a
 *   Concat of the pieces of one value, in order, along the axis they were cut on, is that value.
 */

export interface SliceMoveResult {
  nodes: Onnx.INodeProto[]
  initializers: Onnx.ITensorProto[]
  counts: { unsqueezesHoisted: number; concatsOfPieces: number }
}

const INT64 = 7
/** A Slice `end` at least this large runs to the end of its axis (exporters write INT64_MAX). */
const OPEN_END = 2 ** 62

export function moveSlices(
  nodes: readonly Onnx.INodeProto[],
  initializers: readonly Onnx.ITensorProto[],
  graphOutputs: readonly string[],
  ranks: ReadonlyMap<string, number>
): SliceMoveResult {
  const hoisted = hoistUnsqueezes(nodes, initializers, graphOutputs, ranks)
  const joined = dropConcatsOfPieces(hoisted.nodes, [...initializers, ...hoisted.initializers], graphOutputs)
  return {
    nodes: joined.nodes,
    initializers: hoisted.initializers,
    counts: { unsqueezesHoisted: hoisted.count, concatsOfPieces: joined.count }
  }
}

/** The single axis a Slice cuts (its `axes` input), or null. */
function sliceAxis(g: GraphView, n: Onnx.INodeProto): number | null {
  const axes = n.input?.[3] ? int64Values(g.tensor(n.input[3])) : null
  return axes && axes.length === 1 ? axes[0] : null
}

function intAttribute(n: Onnx.INodeProto, name: string): number | null {
  const a = (n.attribute ?? []).find((x) => x.name === name)
  return a ? toNumber(a.i) : null
}

/** The one axis an Unsqueeze inserts (attribute before opset 13, input from 13), or null. */
function unsqueezeAxis(g: GraphView, n: Onnx.INodeProto): number | null {
  const attr = (n.attribute ?? []).find((x) => x.name === 'axes')
  const axes = attr
    ? (attr.ints ?? []).map(toNumber)
    : n.input?.[1]
      ? int64Values(g.tensor(n.input[1]))
      : null
  return axes && axes.length === 1 ? axes[0] : null
}

function rankOf(g: GraphView, name: string, ranks: ReadonlyMap<string, number>): number | null {
  const known = ranks.get(name)
  if (known !== undefined) return known
  // Gemm's output is a matrix whatever the graph's value infos say.
  return g.producer(name)?.opType === 'Gemm' ? 2 : null
}

interface Cut {
  /** The value cut, its rank where known, the axis cut (>= 0). */
  source: string
  rank: number | null
  axis: number
}

/** A Slice with one axis or a Split (axis attribute); a negative axis needs the input's rank. */
function cutOf(g: GraphView, n: Onnx.INodeProto, ranks: ReadonlyMap<string, number>): Cut | null {
  const source = n.input?.[0] ?? ''
  const raw =
    n.opType === 'Slice' ? sliceAxis(g, n) : n.opType === 'Split' ? (intAttribute(n, 'axis') ?? 0) : null
  if (raw === null || !source) return null
  const rank = rankOf(g, source, ranks)
  const axis = raw >= 0 ? raw : rank === null ? -1 : raw + rank
  return axis >= 0 && (rank === null || axis < rank) ? { source, rank, axis } : null
}

function hoistUnsqueezes(
  nodes: readonly Onnx.INodeProto[],
  initializers: readonly Onnx.ITensorProto[],
  graphOutputs: readonly string[],
  ranks: ReadonlyMap<string, number>
): { nodes: Onnx.INodeProto[]; initializers: Onnx.ITensorProto[]; count: number } {
  const g = new GraphView(nodes, initializers, graphOutputs)
  const outputs = new Set(graphOutputs)
  const added: Onnx.ITensorProto[] = []
  const removed = new Set<Onnx.INodeProto>()
  /** Each Unsqueezed source, made once: key source + axis → the new node's output. */
  const made = new Map<string, string>()
  const before = new Map<Onnx.INodeProto, Onnx.INodeProto[]>()
  const rename = new Map<string, string>()
  const rewritten = new Map<Onnx.INodeProto, Onnx.INodeProto>()
  let count = 0
  const axesConst = (name: string, value: number) => {
    added.push({ name, dataType: INT64, dims: [1], int64Data: [value] })
    return name
  }
  for (const n of nodes) {
    const cut = cutOf(g, n, ranks)
    if (!cut) continue
    const chunkOutputs = n.output ?? []
    const readers = chunkOutputs.map((o) => g.consumers(o))
    if (chunkOutputs.some((o) => outputs.has(o)) || readers.some((r) => r.length === 0)) continue
    const unsqueezes = readers.flat()
    if (!unsqueezes.every((c) => c.opType === 'Unsqueeze' && !outputs.has(c.output?.[0] ?? ''))) continue
    const ks = unsqueezes.map((u) => {
      const k = unsqueezeAxis(g, u)
      if (k === null || k >= 0) return k
      return cut.rank === null ? null : k + cut.rank + 1
    })
    const k = ks[0]
    if (k === null || k < 0 || (cut.rank !== null && k > cut.rank) || ks.some((x) => x !== k)) continue
    // The inserted axis shifts the cut axis when it comes before it (or at it).
    const axis = k <= cut.axis ? cut.axis + 1 : cut.axis
    const key = `${cut.source}\u0000${k}`
    let lifted = made.get(key)
    if (!lifted) {
      lifted = `slices/${made.size}/${cut.source}/unsqueezed`
      const un: Onnx.INodeProto = {
        opType: 'Unsqueeze',
        name: `${lifted}/node`,
        input: [cut.source, axesConst(`${lifted}/axes`, k)],
        output: [lifted]
      }
      before.set(n, [un])
      made.set(key, lifted)
    }
    const id = `slices/${count}`
    const copy: Onnx.INodeProto =
      n.opType === 'Slice'
        ? {
            ...n,
            input: [
              lifted,
              n.input?.[1] ?? '',
              n.input?.[2] ?? '',
              axesConst(`${id}/axes`, axis),
              ...(n.input ?? []).slice(4)
            ]
          }
        : { ...n, input: [lifted, ...(n.input ?? []).slice(1)], attribute: withAxis(n, axis) }
    rewritten.set(n, copy)
    for (const u of unsqueezes) {
      removed.add(u)
      rename.set(u.output?.[0] ?? '', u.input?.[0] ?? '')
    }
    count++
  }
  const out: Onnx.INodeProto[] = []
  for (const n of nodes) {
    if (removed.has(n)) continue
    out.push(...(before.get(n) ?? []))
    out.push(renameInputs(rewritten.get(n) ?? n, rename))
  }
  return { nodes: out, initializers: added, count }
}

function withAxis(n: Onnx.INodeProto, axis: number): Onnx.IAttributeProto[] {
  const rest = (n.attribute ?? []).filter((a) => a.name !== 'axis')
  return [...rest, { name: 'axis', type: 2, i: axis }]
}

function renameInputs(n: Onnx.INodeProto, rename: ReadonlyMap<string, string>): Onnx.INodeProto {
  const input = n.input ?? []
  if (!input.some((i) => rename.has(i))) return n
  return { ...n, input: input.map((i) => rename.get(i) ?? i) }
}

function dropConcatsOfPieces(
  nodes: readonly Onnx.INodeProto[],
  initializers: readonly Onnx.ITensorProto[],
  graphOutputs: readonly string[]
): { nodes: Onnx.INodeProto[]; count: number } {
  const g = new GraphView(nodes, initializers, graphOutputs)
  const outputs = new Set(graphOutputs)
  const rename = new Map<string, string>()
  const dropped = new Set<Onnx.INodeProto>()
  for (const n of nodes) {
    if (n.opType !== 'Concat' || outputs.has(n.output?.[0] ?? '')) continue
    const whole = piecesOf(g, n.input ?? [], intAttribute(n, 'axis'))
    if (whole === null) continue
    rename.set(n.output?.[0] ?? '', whole)
    dropped.add(n)
  }
  // A renamed value may itself be renamed (a Concat of a Concat): follow to the end.
  const resolve = (name: string): string => {
    let r = name
    while (rename.has(r)) r = rename.get(r) as string
    return r
  }
  const flat = new Map([...rename.keys()].map((k) => [k, resolve(k)]))
  const out = nodes.filter((n) => !dropped.has(n)).map((n) => renameInputs(n, flat))
  return { nodes: out, count: dropped.size }
}

/**
 * The value that `inputs`, concatenated along `axis`, are the whole of, or null: all outputs of
 * one Split on that axis in order, or Slices of one value on that axis (step 1) where the first
 * starts at 0, each starts where the one before ends, and the last runs to the end.
 */
function piecesOf(g: GraphView, inputs: readonly string[], axis: number | null): string | null {
  if (axis === null || inputs.length < 2) return null
  const first = g.producer(inputs[0])
  if (!first) return null
  if (first.opType === 'Split') {
    const same =
      (first.output ?? []).length === inputs.length && inputs.every((x, i) => first.output?.[i] === x)
    return same && (intAttribute(first, 'axis') ?? 0) === axis ? (first.input?.[0] ?? null) : null
  }
  const slices = inputs.map((x) => g.producer(x))
  const source = first.input?.[0] ?? ''
  for (const s of slices) {
    if (!s || s.opType !== 'Slice' || s.input?.[0] !== source || sliceAxis(g, s) !== axis) return null
    const step = s.input?.[4] ? int64Values(g.tensor(s.input[4])) : [1]
    if (!step || step.length !== 1 || step[0] !== 1) return null
  }
  const starts = (i: number) => (slices[i] as Onnx.INodeProto).input?.[1] ?? ''
  const ends = (i: number) => (slices[i] as Onnx.INodeProto).input?.[2] ?? ''
  const firstStart = int64Values(g.tensor(starts(0)))
  const lastEnd = int64Values(g.tensor(ends(slices.length - 1)))
  if (!firstStart || firstStart[0] !== 0 || !lastEnd || lastEnd[0] < OPEN_END) return null
  for (let i = 1; i < slices.length; i++) if (!sameValue(g, ends(i - 1), starts(i), 8)) return null
  return source
}

/**
 * Whether two names hold the same value by construction: the same name, equal constants, or the
 * same output of nodes of one operator with the same attributes whose inputs are the same values
 * (`depth` bounds the walk). Exporters recompute a boundary (`Shape → Gather → Unsqueeze`) for
 * each Slice that uses it.
 */
export function sameValue(g: GraphView, a: string, b: string, depth: number): boolean {
  if (a === b) return true
  const ta = g.tensor(a)
  const tb = g.tensor(b)
  if (ta || tb) return ta !== null && tb !== null && sameTensor(ta, tb)
  const pa = g.producer(a)
  const pb = g.producer(b)
  if (depth === 0 || !pa || !pb || pa.opType !== pb.opType || (pa.domain ?? '') !== (pb.domain ?? ''))
    return false
  // A Constant not read as a tensor above (value_float, value_ints, …) is not compared here.
  if (pa.opType === 'Constant') return false
  const ia = pa.input ?? []
  const ib = pb.input ?? []
  if ((pa.output ?? []).indexOf(a) !== (pb.output ?? []).indexOf(b) || ia.length !== ib.length) return false
  if (!sameAttributes(pa, pb)) return false
  return ia.every((x, i) => sameValue(g, x, ib[i], depth - 1))
}

function sameTensor(a: Onnx.ITensorProto, b: Onnx.ITensorProto): boolean {
  if (a.dataType !== b.dataType) return false
  const da = (a.dims ?? []).map(toNumber).join(',')
  const db = (b.dims ?? []).map(toNumber).join(',')
  if (da !== db) return false
  const va = a.dataType === INT64 ? int64Values(a) : null
  const vb = b.dataType === INT64 ? int64Values(b) : null
  return va !== null && vb !== null && va.length === vb.length && va.every((x, i) => x === vb[i])
}

function sameAttributes(a: Onnx.INodeProto, b: Onnx.INodeProto): boolean {
  const key = (n: Onnx.INodeProto) =>
    JSON.stringify(
      (n.attribute ?? [])
        .map((x) => [
          x.name,
          toNumber(x.i ?? 0),
          x.f ?? 0,
          (x.ints ?? []).map(toNumber),
          x.s ? Array.from(x.s) : []
        ])
        .sort()
    )
  return key(a) === key(b)
}
