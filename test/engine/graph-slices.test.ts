import type { onnx as Onnx } from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { moveSlices } from '../../src/main/engine/model/graph-slices'
import { encodeModel, tryDecodeModel } from '../../src/main/engine/model/onnx-graph'
import { compileWholeTransformer } from '../../src/main/engine/model/segments'
import { Session } from '../../src/main/engine/model/session'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import { resolve } from 'node:path'
import { embedFeeds, loadFixture, wholeVelocity } from './fixtures'

// Hand-built cuts in the forms the exporters write them.
const i64 = (name: string, ...v: number[]): Onnx.ITensorProto => ({
  name,
  dataType: 7,
  dims: [v.length],
  int64Data: v
})
const node = (
  opType: string,
  input: string[],
  output: string[] | string,
  attribute?: Onnx.IAttributeProto[]
) =>
  ({
    opType,
    input,
    output: Array.isArray(output) ? output : [output],
    name: `n/${Array.isArray(output) ? output[0] : output}`,
    ...(attribute ? { attribute } : {})
  }) as Onnx.INodeProto
const axisAttr = (i: number): Onnx.IAttributeProto => ({ name: 'axis', type: 2, i })
/** INT64_MAX as the exporters store it (raw little-endian bytes). */
function openEnd(): Onnx.ITensorProto {
  const raw = Buffer.alloc(8)
  raw.writeBigInt64LE(9223372036854775807n)
  return { name: 'end', dataType: 7, dims: [1], rawData: raw }
}

interface Graph {
  nodes: Onnx.INodeProto[]
  inits: Onnx.ITensorProto[]
  inputs: [string, number[]][]
  outputs: string[]
}

const valueInfo = (name: string, dims?: number[]) => ({
  name,
  type: {
    tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) }
  }
})

function encode(
  g: Graph,
  nodes: readonly Onnx.INodeProto[],
  extra: readonly Onnx.ITensorProto[] = []
): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'cuts',
      node: [...nodes],
      initializer: [...g.inits, ...extra],
      input: g.inputs.map(([n, d]) => valueInfo(n, d)),
      output: g.outputs.map((n) => valueInfo(n))
    }
  })
}

async function runGraph(bytes: Uint8Array, g: Graph): Promise<Float32Array[]> {
  const s = await Session.create(bytes, 'cuts', 'cpu', { intraOpThreads: 1 })
  const feeds: Record<string, Tensor> = {}
  for (const [n, d] of g.inputs) {
    const size = d.reduce((a, b) => a * b, 1)
    feeds[n] = tensor(Float32Array.from(gaussianNoise(n.length + 3, size)), d)
  }
  const out = await s.run(feeds, g.outputs)
  await s.release()
  return g.outputs.map((n) => out[n].data)
}

/** Rewrites the graph and checks that every output keeps its bits. */
async function moveAndCompare(g: Graph, ranks = new Map<string, number>()) {
  const r = moveSlices(g.nodes, g.inits, g.outputs, ranks)
  const [before, after] = [
    await runGraph(encode(g, g.nodes), g),
    await runGraph(encode(g, r.nodes, r.initializers), g)
  ]
  after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i])))
  return r
}

/** emb.chunk(3, 1), each [:, None], each scaling y: the modulation's form. */
function chunkedModulation(axis = 1, unsqueezeAxes = [1, 1, 1]): Graph {
  const nodes: Onnx.INodeProto[] = []
  for (let c = 0; c < 3; c++) {
    nodes.push(node('Slice', ['x', `s${c}`, `e${c}`, 'ax'], `chunk${c}`))
    nodes.push(node('Unsqueeze', [`chunk${c}`, `uq${unsqueezeAxes[c]}`], `m${c}`))
    nodes.push(node('Mul', ['y', `m${c}`], `out${c}`))
  }
  return {
    nodes,
    inits: [
      ...[0, 4, 8].map((v, c) => i64(`s${c}`, v)),
      ...[4, 8, 12].map((v, c) => i64(`e${c}`, v)),
      i64('ax', axis),
      i64('uq1', 1),
      i64('uq0', 0)
    ],
    inputs: [
      ['x', [2, 12]],
      ['y', [2, 2, 4]]
    ],
    outputs: ['out0', 'out1', 'out2']
  }
}

describe('slice moves: the modulation chunks are unsqueezed once', () => {
  it('six Slice → Unsqueeze pairs (here three) become one Unsqueeze and three Slices, with the same bits', async () => {
    const g = chunkedModulation()
    const r = await moveAndCompare(g)
    expect(r.counts.unsqueezesHoisted).toBe(3)
    expect(r.nodes.filter((n) => n.opType === 'Unsqueeze')).toHaveLength(1)
  })

  it('a negative chunk axis is moved when the rank is known, with the same bits', async () => {
    const g = chunkedModulation(-1)
    expect(moveSlices(g.nodes, g.inits, g.outputs, new Map()).counts.unsqueezesHoisted).toBe(0)
    const r = await moveAndCompare(g, new Map([['x', 2]]))
    expect(r.counts.unsqueezesHoisted).toBe(3)
  })

  it("the dynamo exporter's one Split with an Unsqueeze per output is moved too, with the same bits", async () => {
    const g: Graph = {
      nodes: [
        node('Split', ['x', 'sizes'], ['c0', 'c1', 'c2'], [axisAttr(1)]),
        ...[0, 1, 2].flatMap((c) => [
          node('Unsqueeze', [`c${c}`, 'uq1'], `m${c}`),
          node('Add', ['y', `m${c}`], `out${c}`)
        ])
      ],
      inits: [i64('sizes', 4, 4, 4), i64('uq1', 1)],
      inputs: [
        ['x', [2, 12]],
        ['y', [2, 5, 4]]
      ],
      outputs: ['out0', 'out1', 'out2']
    }
    const r = await moveAndCompare(g)
    expect(r.counts.unsqueezesHoisted).toBe(1)
    expect(r.nodes.map((n) => n.opType).filter((o) => o === 'Unsqueeze')).toHaveLength(1)
  })

  it('EXPECTED: leaves a chunk alone when it is read by anything but an Unsqueeze, or by Unsqueezes of two axes', () => {
    const g = chunkedModulation()
    const spied = [...g.nodes, node('Neg', ['chunk1'], 'spy')]
    expect(moveSlices(spied, g.inits, [...g.outputs, 'spy'], new Map()).counts.unsqueezesHoisted).toBe(2)
    const twoAxes = [...g.nodes, node('Unsqueeze', ['chunk1', 'uq0'], 'other')]
    const r = moveSlices(twoAxes, g.inits, [...g.outputs, 'other'], new Map())
    expect(r.counts.unsqueezesHoisted).toBe(2)
    expect(r.nodes.filter((n) => n.input?.[0] === 'chunk1').map((n) => n.opType)).toEqual([
      'Unsqueeze',
      'Unsqueeze'
    ])
  })

  it('chunks unsqueezed on different axes each get their own shared Unsqueeze, with the same bits', async () => {
    const r = await moveAndCompare(chunkedModulation(1, [1, 0, 1]))
    expect(r.counts.unsqueezesHoisted).toBe(3)
    expect(r.nodes.filter((n) => n.opType === 'Unsqueeze')).toHaveLength(2)
  })

  it('EXPECTED: leaves an Unsqueeze that is a graph output alone', () => {
    const g = chunkedModulation()
    expect(moveSlices(g.nodes, g.inits, [...g.outputs, 'm0'], new Map()).counts.unsqueezesHoisted).toBe(2)
  })
})

/** cat([x[:, :n], x[:, n:]], 1) with n recomputed per Slice from x's shape, as TorchScript writes it. */
function cutAndRejoin(opts: { concatAxis?: number; swap?: boolean; gap?: boolean } = {}): Graph {
  const bound = (tag: string) => [
    node('Shape', ['t'], `shape${tag}`),
    node('Gather', [`shape${tag}`, 'second'], `len${tag}`, [axisAttr(0)]),
    node('Unsqueeze', [`len${tag}`, 'zero'], `n${tag}`)
  ]
  const pieces = ['head', 'tail']
  return {
    nodes: [
      node('Relu', ['x'], 'joint'),
      ...bound('A'),
      ...bound('B'),
      node('Slice', ['joint', 'zero', 'nA', 'one'], 'head'),
      node('Slice', ['joint', opts.gap ? 'two' : 'nB', 'end', 'one'], 'tail'),
      node('Concat', opts.swap ? [...pieces].reverse() : pieces, 'rejoined', [
        axisAttr(opts.concatAxis ?? 1)
      ]),
      node('Neg', ['rejoined'], 'out')
    ],
    inits: [
      i64('zero', 0),
      i64('one', 1),
      i64('two', 2),
      { name: 'second', dataType: 7, dims: [], int64Data: [1] },
      openEnd()
    ],
    inputs: [
      ['x', [2, 7, 3]],
      ['t', [2, 3, 3]]
    ],
    outputs: ['out']
  }
}

describe('slice moves: a Concat of the pieces of one value is that value', () => {
  it('cat([x[:, :n], x[:, n:]], 1) with n recomputed for each Slice is dropped, with the same bits', async () => {
    const g = cutAndRejoin()
    const r = await moveAndCompare(g)
    expect(r.counts.concatsOfPieces).toBe(1)
    expect(r.nodes.find((n) => n.opType === 'Neg')?.input).toEqual(['joint'])
  })

  it('a Concat of all outputs of one Split, in order and on its axis, is dropped, with the same bits', async () => {
    const g: Graph = {
      nodes: [
        node('Split', ['x', 'sizes'], ['a', 'b'], [axisAttr(1)]),
        node('Concat', ['a', 'b'], 'rejoined', [axisAttr(1)]),
        node('Sigmoid', ['rejoined'], 'out')
      ],
      inits: [i64('sizes', 3, 4)],
      inputs: [['x', [2, 7, 3]]],
      outputs: ['out']
    }
    const r = await moveAndCompare(g)
    expect(r.counts.concatsOfPieces).toBe(1)
  })

  it('EXPECTED: keeps a Concat of pieces out of order, of pieces with a gap, or on another axis', () => {
    for (const opts of [{ swap: true }, { gap: true }, { concatAxis: 2 }]) {
      const g = cutAndRejoin(opts)
      expect(moveSlices(g.nodes, g.inits, g.outputs, new Map()).counts.concatsOfPieces).toBe(0)
    }
  })

  it('EXPECTED: keeps a Concat whose output is a graph output (its name must stay)', () => {
    const g = cutAndRejoin()
    expect(moveSlices(g.nodes, g.inits, ['out', 'rejoined'], new Map()).counts.concatsOfPieces).toBe(0)
  })
})

describe('slice moves on the embedded FLUX-like model', () => {
  it('shapes-flux-tiny: the whole transformer loses its modulation Unsqueezes and block-boundary Concats and keeps its bits', async () => {
    const model = await loadFixture(resolve(__dirname, '../../resources/models/shapes-flux-tiny'))
    const t = model.manifest.transformers[0]
    const graphs = t.blockLists.flatMap((l) =>
      l.blocks.map((f) => ({ model: model.pkg.graph(f), pattern: l.pattern }))
    )
    const plain = compileWholeTransformer(
      model.pkg.graph(t.embed.file),
      graphs,
      model.pkg.graph(t.final.file),
      1,
      false
    )
    const decoded = tryDecodeModel(plain)
    if (!('model' in decoded)) throw new Error(decoded.error)
    const graph = decoded.model.graph as Onnx.IGraphProto
    const r = moveSlices(
      graph.node ?? [],
      graph.initializer ?? [],
      (graph.output ?? []).map((o) => o.name ?? ''),
      new Map()
    )
    expect(r.counts.unsqueezesHoisted).toBeGreaterThan(100)
    expect(r.counts.concatsOfPieces).toBeGreaterThan(20)
    const moved = encodeModel({
      ...decoded.model,
      graph: { ...graph, node: r.nodes, initializer: [...(graph.initializer ?? []), ...r.initializers] }
    })
    const feeds = await embedFeeds(model, 5, 0.6)
    const [a, b] = [await wholeVelocity(plain, feeds), await wholeVelocity(moved, feeds)]
    expect(Array.from(b.data)).toEqual(Array.from(a.data))
  })
})
