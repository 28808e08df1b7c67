import type { onnx as Onnx } from 'onnx-proto'
import { constantScalar, GraphView, readsLastAxisMean } from './graph-view'

/**
 * Rewrites the decomposed normalisations and the tanh GELU that exporters leave in a transformer
 * block (torch's TorchScript exporter below opset 17–20, and models that write `x * x` where
 * ONNX Runtime's own fusions expect `Pow`) into the single kernels ONNX Runtime has for them.
 * On the embedded FLUX-like model a call has ~2 400 nodes after ONNX Runtime's own optimisation,
 * most of them these chains; per-node overhead, not arithmetic, decides the time of such a call
 * (docs/engine.md, "Graph fusion"). Every rewrite computes the same function; only rounding
 * differs (the kernels accumulate in one pass).
 *
 * Only float32 chains are rewritten: the fused kernels' float16 support differs by execution
 * provider, and a float16 graph keeps what its exporter wrote. A chain whose intermediate value
 * is read outside it, or is a graph output, is left alone.
 */

export type FusionKind = 'layerNorm' | 'rmsNorm' | 'gelu'

export interface FusionResult {
  nodes: Onnx.INodeProto[]
  /** Initializers the rewrites add (the last-axis slice bounds). */
  initializers: Onnx.ITensorProto[]
  /** The `com.microsoft` operators (FastGelu) need that domain in the model's opset imports. */
  usesMicrosoftDomain: boolean
  counts: Record<FusionKind, number>
}

const FLOAT = 1
const INT64 = 7
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI)
const LAST_START = 'fusion/last_axis_start'
const LAST_END = 'fusion/last_axis_end'

interface Match {
  kind: FusionKind
  /** The chain's nodes, all removed. */
  chain: Onnx.INodeProto[]
  /** The replacement, in order; its last node writes the chain's output name. */
  add: Onnx.INodeProto[]
}

export function fuseNormsAndGelu(
  nodes: readonly Onnx.INodeProto[],
  initializers: readonly Onnx.ITensorProto[],
  graphOutputs: readonly string[]
): FusionResult {
  const g = new GraphView(nodes, initializers, graphOutputs)
  const counts: Record<FusionKind, number> = { layerNorm: 0, rmsNorm: 0, gelu: 0 }
  const taken = new Set<Onnx.INodeProto>()
  // The replacement sits where the chain's last node was, so the order stays topological: every
  // input of the fused node (the chain's input, a scale initializer) exists before the chain ends.
  const replaced = new Map<Onnx.INodeProto, Onnx.INodeProto[]>()
  let serial = 0
  // LayerNorm first: its variance tail (Mul(d, d) → ReduceMean → Add → Sqrt → Div) is an RMSNorm of
  // the centred value and must not be taken for one.
  const matchers: ((n: Onnx.INodeProto, id: string) => Match | null)[] = [
    (n, id) => matchLayerNorm(g, n, id),
    (n, id) => matchRmsNorm(g, n, id),
    (n, id) => matchGelu(g, n, id)
  ]
  for (const matcher of matchers) {
    for (const node of nodes) {
      if (taken.has(node)) continue
      const m = matcher(node, `fusion/${serial}`)
      if (!m || m.chain.some((c) => taken.has(c)) || !g.isClosedChain(m.chain)) continue
      serial++
      for (const c of m.chain) taken.add(c)
      replaced.set(m.chain[m.chain.length - 1], m.add)
      counts[m.kind]++
    }
  }
  const out: Onnx.INodeProto[] = []
  for (const node of nodes) {
    const add = replaced.get(node)
    if (add) out.push(...add)
    else if (!taken.has(node)) out.push(node)
  }
  const normsAdded = counts.layerNorm + counts.rmsNorm > 0
  return {
    nodes: out,
    initializers: normsAdded ? lastAxisBounds() : [],
    usesMicrosoftDomain: counts.gelu > 0,
    counts
  }
}

/**
 * ReduceMean(x) → Sub(x, mean) = d → Mul(d, d) | Pow(d, 2) → ReduceMean → Add(eps) → Sqrt →
 * Div(d, ·) | Mul(d, Reciprocal(·) | Div(1, ·)), then an optional Mul(weight) and Add(bias) by
 * initializers: LayerNormalization over the last axis.
 */
function matchLayerNorm(g: GraphView, mean: Onnx.INodeProto, id: string): Match | null {
  if (mean.opType !== 'ReduceMean' || !readsLastAxisMean(g, mean)) return null
  const x = mean.input?.[0] ?? ''
  const sub = g.soleConsumer(mean, 'Sub')
  if (!sub || sub.input?.[0] !== x || sub.input?.[1] !== mean.output?.[0]) return null
  const d = sub.output?.[0] ?? ''
  const square = g.consumers(d).find((c) => isSquareOf(g, c, d))
  if (!square) return null
  const tail = varianceTail(g, square, d)
  if (!tail || g.consumers(d).length !== 2) return null
  const affine = affineTail(g, tail.y)
  const chain = [mean, sub, square, ...tail.nodes, ...affine.nodes]
  const scale = affine.weight ?? `${id}/ones`
  const fused: Onnx.INodeProto = {
    opType: 'LayerNormalization',
    name: `${id}/LayerNormalization`,
    input: [x, scale, ...(affine.bias ? [affine.bias] : [])],
    output: [affine.y],
    attribute: [intAttr('axis', -1), floatAttr('epsilon', tail.eps)]
  } as Onnx.INodeProto
  return { kind: 'layerNorm', chain, add: [...(affine.weight ? [] : onesLike(x, id)), fused] }
}

/**
 * Mul(x, x) | Pow(x, 2) → ReduceMean → Add(eps) → Sqrt → Div(x, ·) | Mul(x, Reciprocal(·) |
 * Div(1, ·)), then an optional Mul(weight): RMSNorm, ONNX Runtime's SimplifiedLayerNormalization.
 */
function matchRmsNorm(g: GraphView, square: Onnx.INodeProto, id: string): Match | null {
  const x = square.input?.[0] ?? ''
  if (!isSquareOf(g, square, x)) return null
  const tail = varianceTail(g, square, x)
  if (!tail) return null
  const weighted = g.soleConsumer(tail.last, 'Mul')
  const weight = weighted ? otherInput(weighted, tail.y) : null
  const useWeight = weighted !== null && weight !== null && g.isInitializer(weight)
  const y = useWeight ? (weighted.output?.[0] ?? '') : tail.y
  const scale = useWeight ? (weight as string) : `${id}/ones`
  const fused: Onnx.INodeProto = {
    opType: 'SimplifiedLayerNormalization',
    name: `${id}/SimplifiedLayerNormalization`,
    input: [x, scale],
    output: [y],
    attribute: [intAttr('axis', -1), floatAttr('epsilon', tail.eps)]
  } as Onnx.INodeProto
  const chain = [square, ...tail.nodes, ...(useWeight ? [weighted] : [])]
  return { kind: 'rmsNorm', chain, add: [...(useWeight ? [] : onesLike(x, id)), fused] }
}

/**
 * 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), in the orders torch writes it: FastGelu.
 */
function matchGelu(g: GraphView, tanh: Onnx.INodeProto, id: string): Match | null {
  if (tanh.opType !== 'Tanh') return null
  const scaled = g.producer(tanh.input?.[0])
  const sum = scaled && byConstant(g, scaled, 'Mul', SQRT_2_OVER_PI)
  if (!sum) return null
  const add = g.producer(sum.other)
  if (!add || add.opType !== 'Add') return null
  for (const [x, cubic] of orders(add)) {
    const c = g.producer(cubic)
    const cube = c && byConstant(g, c, 'Mul', 0.044715)
    if (!cube) continue
    const cubeNodes = cubeOf(g, cube.other, x)
    if (!cubeNodes) continue
    const onePlus = g.soleConsumer(tanh, 'Add')
    const one = onePlus && otherInput(onePlus, tanh.output?.[0] ?? '')
    if (!onePlus || one === null || constantScalar(g, one) !== 1) continue
    const tailNodes = halfTimes(g, onePlus, x)
    if (!tailNodes) continue
    const chain = [...cubeNodes, c, add, scaled, tanh, onePlus, ...tailNodes.nodes]
    const fused = {
      opType: 'FastGelu',
      domain: 'com.microsoft',
      name: `${id}/FastGelu`,
      input: [x],
      output: [tailNodes.y]
    } as Onnx.INodeProto
    return { kind: 'gelu', chain, add: [fused] }
  }
  return null
}

/** ReduceMean(square) → Add(eps) → Sqrt → the division of `x` by the root. */
function varianceTail(
  g: GraphView,
  square: Onnx.INodeProto,
  x: string
): { nodes: Onnx.INodeProto[]; last: Onnx.INodeProto; y: string; eps: number } | null {
  const mean = g.soleConsumer(square, 'ReduceMean')
  if (!mean || !readsLastAxisMean(g, mean)) return null
  const plus = g.soleConsumer(mean, 'Add')
  const epsName = plus && otherInput(plus, mean.output?.[0] ?? '')
  const eps = epsName ? constantScalar(g, epsName) : null
  if (!plus || eps === null || eps < 0) return null
  const root = g.soleConsumer(plus, 'Sqrt')
  if (!root) return null
  const r = root.output?.[0] ?? ''
  const only = g.consumers(r)
  if (only.length !== 1) return null
  const next = only[0]
  if (next.opType === 'Div' && next.input?.[0] === x && next.input?.[1] === r) {
    return { nodes: [mean, plus, root, next], last: next, y: next.output?.[0] ?? '', eps }
  }
  const inverse =
    (next.opType === 'Reciprocal' ||
      (next.opType === 'Div' && next.input?.[1] === r && constantScalar(g, next.input?.[0] ?? '') === 1)) &&
    next
  if (!inverse) return null
  const times = g.soleConsumer(inverse, 'Mul')
  if (!times || otherInput(times, inverse.output?.[0] ?? '') !== x) return null
  return { nodes: [mean, plus, root, inverse, times], last: times, y: times.output?.[0] ?? '', eps }
}

/** An optional Mul by a weight initializer then Add of a bias initializer after the norm. */
function affineTail(
  g: GraphView,
  y: string
): { nodes: Onnx.INodeProto[]; y: string; weight: string | null; bias: string | null } {
  const none = { nodes: [], y, weight: null, bias: null }
  const consumers = g.consumers(y)
  if (consumers.length !== 1 || consumers[0].opType !== 'Mul') return none
  const mul = consumers[0]
  const weight = otherInput(mul, y)
  if (weight === null || !g.isInitializer(weight)) return none
  const wy = mul.output?.[0] ?? ''
  const after = g.consumers(wy)
  const add = after.length === 1 && after[0].opType === 'Add' ? after[0] : null
  const bias = add ? otherInput(add, wy) : null
  if (add && bias !== null && g.isInitializer(bias)) {
    return { nodes: [mul, add], y: add.output?.[0] ?? '', weight, bias }
  }
  return { nodes: [mul], y: wy, weight, bias: null }
}

/** x³ as Mul(x, Mul(x, x)) in either order, or Pow(x, 3). */
function cubeOf(g: GraphView, name: string, x: string): Onnx.INodeProto[] | null {
  const n = g.producer(name)
  if (!n) return null
  if (n.opType === 'Pow') {
    return n.input?.[0] === x && constantScalar(g, n.input?.[1] ?? '') === 3 ? [n] : null
  }
  if (n.opType !== 'Mul') return null
  for (const [a, b] of orders(n)) {
    if (a !== x) continue
    const sq = g.producer(b)
    if (sq && isSquareOf(g, sq, x)) return [sq, n]
  }
  return null
}

/** After 1 + tanh: Mul(x, ·) → Mul(0.5, ·), Mul(Mul(x, 0.5), ·), or Mul(0.5, ·) → Mul(x, ·). */
function halfTimes(
  g: GraphView,
  onePlus: Onnx.INodeProto,
  x: string
): { nodes: Onnx.INodeProto[]; y: string } | null {
  const times = g.soleConsumer(onePlus, 'Mul')
  const other = times && otherInput(times, onePlus.output?.[0] ?? '')
  if (!times || other === null) return null
  if (constantScalar(g, other) === 0.5) {
    // The dynamo exporter's order: x · (0.5 · (1 + tanh)).
    const outer = g.soleConsumer(times, 'Mul')
    if (!outer || otherInput(outer, times.output?.[0] ?? '') !== x) return null
    return { nodes: [times, outer], y: outer.output?.[0] ?? '' }
  }
  if (other === x) {
    const half = g.soleConsumer(times, 'Mul')
    const c = half && otherInput(half, times.output?.[0] ?? '')
    if (!half || c === null || constantScalar(g, c) !== 0.5) return null
    return { nodes: [times, half], y: half.output?.[0] ?? '' }
  }
  const halfX = g.producer(other)
  const hx = halfX && byConstant(g, halfX, 'Mul', 0.5)
  if (!halfX || !hx || hx.other !== x) return null
  return { nodes: [halfX, times], y: times.output?.[0] ?? '' }
}

function isSquareOf(g: GraphView, n: Onnx.INodeProto, x: string): boolean {
  if (n.opType === 'Mul') return n.input?.[0] === x && n.input?.[1] === x
  return n.opType === 'Pow' && n.input?.[0] === x && constantScalar(g, n.input?.[1] ?? '') === 2
}

/** For a commutative binary node with a float32 scalar constant ≈ `value`, its other input. */
function byConstant(g: GraphView, n: Onnx.INodeProto, op: string, value: number): { other: string } | null {
  if (n.opType !== op) return null
  for (const [c, other] of orders(n)) {
    const v = constantScalar(g, c)
    if (v !== null && Math.abs(v - value) <= 1e-6 * Math.max(1, Math.abs(value))) return { other }
  }
  return null
}

function orders(n: Onnx.INodeProto): [string, string][] {
  const [a, b] = [n.input?.[0] ?? '', n.input?.[1] ?? '']
  return [
    [a, b],
    [b, a]
  ]
}

function otherInput(n: Onnx.INodeProto, name: string): string | null {
  const [a, b] = [n.input?.[0], n.input?.[1]]
  if (a === name && b !== undefined) return b
  if (b === name && a !== undefined) return a
  return null
}

/**
 * A float32 vector of ones as long as x's last axis, for a norm without a weight: the fused
 * kernels need a scale. ONNX Runtime folds these three nodes to a constant when x's shape is
 * static (the segments' batch is).
 */
function onesLike(x: string, id: string): Onnx.INodeProto[] {
  return [
    { opType: 'Shape', name: `${id}/Shape`, input: [x], output: [`${id}/shape`] },
    {
      opType: 'Slice',
      name: `${id}/Slice`,
      input: [`${id}/shape`, LAST_START, LAST_END],
      output: [`${id}/width`]
    },
    {
      opType: 'ConstantOfShape',
      name: `${id}/ConstantOfShape`,
      input: [`${id}/width`],
      output: [`${id}/ones`],
      attribute: [{ name: 'value', type: 4, t: { dataType: FLOAT, dims: [1], floatData: [1] } }]
    }
  ] as Onnx.INodeProto[]
}

function lastAxisBounds(): Onnx.ITensorProto[] {
  return [
    { name: LAST_START, dataType: INT64, dims: [1], int64Data: [-1] },
    { name: LAST_END, dataType: INT64, dims: [1], int64Data: [Number.MAX_SAFE_INTEGER] }
  ]
}

function intAttr(name: string, i: number): Onnx.IAttributeProto {
  return { name, type: 2, i }
}

function floatAttr(name: string, f: number): Onnx.IAttributeProto {
  return { name, type: 1, f }
}
