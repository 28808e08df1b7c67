/**
 * Where an fp16 text encoder's or VAE decoder's float16 inputs and outputs are converted
 * (model/session.ts, "An fp16 export's ..."): the cost of converting in JavaScript at each call
 * against that of adding Casts around the graph when loading it (a decode and re-encode of its
 * protobuf, which holds an fp16 CLIP's or VAE's weights inline).
 *
 *   npx tsx tools/bench/float16-edge.mts [WEIGHT_MB]
 *
 * Prints ms per conversion of a 1024² RGB image (3.1 M values, a VAE decoder's output), a
 * 512 × 4096 T5 state (2.1 M) and a 128² × 16 latent (0.26 M, a VAE decoder's input), then ms to
 * decode, add a Cast and encode a graph with WEIGHT_MB (default 160) of float16 weights inline,
 * and ONNX Runtime's own time to run that Cast on the 3.1 M values.
 */
import ort from 'onnxruntime-node'
import { castGraph, castNode, vectorValue } from '../../src/main/engine/model/cast-graph'
import { fromFloat16Bits, toFloat16Bits } from '../../src/main/engine/model/float16'
import { encodeModel, onnx, tryDecodeModel } from '../../src/main/engine/model/onnx-graph'

const weightMb = Number(process.argv[2] ?? '160')
const REPEATS = 5

function best(f: () => unknown): number {
  let min = Infinity
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now()
    f()
    min = Math.min(min, performance.now() - t0)
  }
  return min
}

function values(n: number): Float32Array {
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) * 3
  return x
}

for (const [what, n] of [
  ['1024² RGB image', 3 * 1024 * 1024],
  ['512 × 4096 T5 state', 512 * 4096],
  ['128² × 16 latent', 16 * 128 * 128]
] as const) {
  const x = values(n)
  const h = toFloat16Bits(x)
  console.log(
    `${what} (${n} values): float32→float16 ${best(() => toFloat16Bits(x)).toFixed(1)} ms, ` +
      `float16→float32 ${best(() => fromFloat16Bits(h)).toFixed(1)} ms`
  )
}

const F16 = onnx.TensorProto.DataType.FLOAT16
const F32 = onnx.TensorProto.DataType.FLOAT
const weight = new Uint8Array(weightMb * 1024 * 1024)
for (let i = 0; i < weight.length; i += 4096) weight[i] = i & 0xff
const bytes = encodeModel(
  onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 18 }],
    graph: {
      name: 'fp16',
      node: [onnx.NodeProto.create({ opType: 'Identity', input: ['x'], output: ['y'] })],
      initializer: [
        onnx.TensorProto.create({ name: 'w', dims: [weight.length / 2], dataType: F16, rawData: weight })
      ],
      input: [vectorValue('x', F16)],
      output: [vectorValue('y', F16)]
    }
  })
)
const castOut = (b: Uint8Array): Uint8Array => {
  const decoded = tryDecodeModel(b)
  if ('error' in decoded) throw new Error(decoded.error)
  const g = decoded.model.graph!
  g.node!.push(castNode('y', 'y_f32', F32))
  g.output = [vectorValue('y_f32', F32)]
  return encodeModel(decoded.model)
}
console.log(
  `Casts at load, ${weightMb} MB of inline weights: decode + encode ${best(() => castOut(bytes)).toFixed(0)} ms`
)

const cast = await ort.InferenceSession.create(castGraph(F16, F32))
const image = toFloat16Bits(values(3 * 1024 * 1024))
let runMs = Infinity
for (let i = 0; i < REPEATS; i++) {
  const t0 = performance.now()
  await cast.run({ x: new ort.Tensor('float16', image, [image.length]) })
  runMs = Math.min(runMs, performance.now() - t0)
}
console.log(`ONNX Runtime's Cast float16→float32 of the 1024² RGB image: ${runMs.toFixed(1)} ms`)
await cast.release()
