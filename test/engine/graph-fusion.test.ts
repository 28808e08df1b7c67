import { basename } from 'node:path'
import type { onnx as Onnx } from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { fuseNormsAndGelu } from '../../src/main/engine/model/graph-fusion'
import { mergeGraphs } from '../../src/main/engine/model/graph-merge'
import { onnx, tryDecodeModel } from '../../src/main/engine/model/onnx-graph'
import { compileWholeTransformer } from '../../src/main/engine/model/segments'
import { Session } from '../../src/main/engine/model/session'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { tensor } from '../../src/main/engine/tensor'
import {
  ALL_FIXTURES,
  embedFeeds,
  embeddedWithReference,
  loadFixture,
  maxAbsDiff,
  wholeVelocity
} from './fixtures'

function opCounts(bytes: Uint8Array): Map<string, number> {
  const d = tryDecodeModel(bytes)
  if (!('model' in d)) throw new Error(d.error)
  const counts = new Map<string, number>()
  for (const n of d.model.graph?.node ?? []) counts.set(n.opType ?? '', (counts.get(n.opType ?? '') ?? 0) + 1)
  return counts
}

describe('graph fusion of the exported blocks', () => {
  for (const name of [...ALL_FIXTURES, ...embeddedWithReference()]) {
    it(`${basename(name)}: the fused transformer has no decomposed norm or GELU left and gives the unfused velocity within 1e-5`, async () => {
      const model = await loadFixture(name)
      const t = model.manifest.transformers[0]
      const graphs = t.blockLists.flatMap((l) =>
        l.blocks.map((f) => ({ model: model.pkg.graph(f), pattern: l.pattern }))
      )
      const compile = (fuse: boolean) =>
        compileWholeTransformer(model.pkg.graph(t.embed.file), graphs, model.pkg.graph(t.final.file), 1, fuse)
      const [plainBytes, fusedBytes] = [compile(false), compile(true)]
      const plain = opCounts(plainBytes)
      const fused = opCounts(fusedBytes)
      const fusedOps = ['LayerNormalization', 'SimplifiedLayerNormalization', 'FastGelu']
      expect(fusedOps.reduce((a, op) => a + (fused.get(op) ?? 0), 0)).toBeGreaterThan(0)
      // Every Sqrt and Tanh of these exports belongs to a norm or the GELU.
      expect(fused.get('Sqrt') ?? 0).toBe(0)
      expect(fused.get('Tanh') ?? 0).toBe(0)
      expect(plain.get('Sqrt') ?? 0).toBeGreaterThan(0)

      const feeds = await embedFeeds(model, 5, 0.6)
      const [a, b] = [await wholeVelocity(plainBytes, feeds), await wholeVelocity(fusedBytes, feeds)]
      expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-5)
    })
  }
})

// Hand-built chains, in the forms torch and diffusers export them.
const X = 'x'
const f32 = (name: string, v: number): Onnx.ITensorProto => ({ name, dataType: 1, dims: [], floatData: [v] })
const node = (opType: string, input: string[], output: string, domain?: string): Onnx.INodeProto => ({
  opType,
  input,
  output: [output],
  name: output,
  ...(domain ? { domain } : {})
})
const lastAxisMean = (input: string, output: string): Onnx.INodeProto => ({
  ...node('ReduceMean', [input], output),
  attribute: [{ name: 'axes', type: 7, ints: [-1] }]
})

/** diffusers' RMSNorm: x · 1/√(mean(x²) + eps) · w, with Pow and Reciprocal. */
function rmsChain(eps: Onnx.ITensorProto = f32('eps', 1e-6)): {
  nodes: Onnx.INodeProto[]
  inits: Onnx.ITensorProto[]
} {
  return {
    nodes: [
      node('Pow', [X, 'two'], 'sq'),
      lastAxisMean('sq', 'ms'),
      node('Add', ['ms', 'eps'], 'var'),
      node('Sqrt', ['var'], 'root'),
      node('Reciprocal', ['root'], 'inv'),
      node('Mul', [X, 'inv'], 'normed'),
      node('Mul', ['normed', 'w'], 'y')
    ],
    inits: [f32('two', 2), eps, { name: 'w', dataType: 1, dims: [4], floatData: [1, 0.5, 2, -1] }]
  }
}

/** 0.5 · x · (1 + tanh(√(2/π) · (x + c · x³))), torch's order. */
function geluChain(c = 0.044715): { nodes: Onnx.INodeProto[]; inits: Onnx.ITensorProto[] } {
  return {
    nodes: [
      node('Mul', [X, X], 'x2'),
      node('Mul', [X, 'x2'], 'x3'),
      node('Mul', ['c', 'x3'], 'cx3'),
      node('Add', [X, 'cx3'], 'inner'),
      node('Mul', ['k', 'inner'], 'scaled'),
      node('Tanh', ['scaled'], 'th'),
      node('Add', ['one', 'th'], 'onep'),
      node('Mul', [X, 'onep'], 'xo'),
      node('Mul', ['half', 'xo'], 'y')
    ],
    inits: [f32('c', c), f32('k', Math.sqrt(2 / Math.PI)), f32('one', 1), f32('half', 0.5)]
  }
}

function modelOf(chain: { nodes: Onnx.INodeProto[]; inits: Onnx.ITensorProto[] }) {
  const vi = (name: string) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }, { dimValue: 4 }] } } }
  })
  return onnx.ModelProto.decode(
    onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'chain', node: chain.nodes, initializer: chain.inits, input: [vi(X)], output: [vi('y')] }
    }).finish()
  )
}

async function runBoth(chain: { nodes: Onnx.INodeProto[]; inits: Onnx.ITensorProto[] }) {
  const model = modelOf(chain)
  const part = { model, prefix: 'p/', inputs: { x: 'x' }, outputs: { y: 'y' } }
  const x = tensor(
    Float32Array.from(gaussianNoise(9, 24), (v) => 2 * v),
    [2, 3, 4]
  )
  const out: Record<string, Float32Array> = {}
  for (const fuse of [false, true]) {
    const s = await Session.create(
      mergeGraphs([part], { name: 'c', inputs: ['x'], outputs: ['y'], fuse }),
      'c',
      'cpu',
      { intraOpThreads: 1 }
    )
    out[String(fuse)] = (await s.run({ x }, ['y'])).y.data
    await s.release()
  }
  return out
}

describe('graph fusion of hand-built chains', () => {
  it('fuses diffusers-style RMSNorm (Pow, Reciprocal, weight) into one SimplifiedLayerNormalization with the same numbers', async () => {
    const c = rmsChain()
    const r = fuseNormsAndGelu(c.nodes, c.inits, ['y'])
    expect(r.counts).toEqual({ layerNorm: 0, rmsNorm: 1, gelu: 0 })
    expect(r.nodes.map((n) => n.opType)).toEqual(['SimplifiedLayerNormalization'])
    expect(r.nodes[0].input).toEqual([X, 'w'])
    const out = await runBoth(c)
    expect(maxAbsDiff(out.true, out.false)).toBeLessThan(1e-5)
  })

  it('fuses the tanh GELU into FastGelu with the same numbers', async () => {
    const c = geluChain()
    const r = fuseNormsAndGelu(c.nodes, c.inits, ['y'])
    expect(r.counts.gelu).toBe(1)
    expect(r.usesMicrosoftDomain).toBe(true)
    const out = await runBoth(c)
    expect(maxAbsDiff(out.true, out.false)).toBeLessThan(1e-5)
  })

  it("fuses the dynamo exporter's order, x · (0.5 · (1 + tanh(…))) with Pow(x, 3), with the same numbers", async () => {
    const c = {
      nodes: [
        node('Pow', [X, 'three'], 'x3'),
        node('Mul', ['c', 'x3'], 'cx3'),
        node('Add', [X, 'cx3'], 'inner'),
        node('Mul', ['k', 'inner'], 'scaled'),
        node('Tanh', ['scaled'], 'th'),
        node('Add', ['th', 'one'], 'onep'),
        node('Mul', ['half', 'onep'], 'halfp'),
        node('Mul', [X, 'halfp'], 'y')
      ],
      inits: [...geluChain().inits, f32('three', 3)]
    }
    expect(fuseNormsAndGelu(c.nodes, c.inits, ['y']).counts.gelu).toBe(1)
    const out = await runBoth(c)
    expect(maxAbsDiff(out.true, out.false)).toBeLessThan(1e-5)
  })

  it('EXPECTED: leaves a chain alone when one of its inner values is read elsewhere or is a graph output', () => {
    const c = rmsChain()
    expect(fuseNormsAndGelu(c.nodes, c.inits, ['y', 'root']).counts.rmsNorm).toBe(0)
    const spy = [...c.nodes, node('Neg', ['inv'], 'z')]
    expect(fuseNormsAndGelu(spy, c.inits, ['y', 'z']).counts.rmsNorm).toBe(0)
  })

  it('EXPECTED: leaves a GELU-like chain with another constant alone (not the same function)', () => {
    const c = geluChain(0.05)
    expect(fuseNormsAndGelu(c.nodes, c.inits, ['y']).counts.gelu).toBe(0)
  })

  it('EXPECTED: leaves a float16 norm alone (the fused kernels differ by provider in float16)', () => {
    const eps16: Onnx.ITensorProto = { name: 'eps', dataType: 10, dims: [], int32Data: [0x0010] }
    const c = rmsChain(eps16)
    expect(fuseNormsAndGelu(c.nodes, c.inits, ['y']).counts.rmsNorm).toBe(0)
  })
})
