import { totalmem } from 'node:os'
import type { onnx as Onnx } from 'onnx-proto'
import type { ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { toNumber, type ModelProto } from './onnx-graph'
import { formatBytes } from './safe-read'

/**
 * A rough bound of the memory a model needs to generate, checked before anything runs, so that
 * a model that cannot fit ends in a `resources` error naming it instead of an allocation that the
 * kernel answers by killing the engine. It counts what the manifest and the graphs state outright:
 * latent- and output-sized buffers, the weights, and the largest tensor a graph makes from a
 * constant shape (a ConstantOfShape or Expand of [60000, 60000] allocates 14 GB at its first run).
 * Shapes that only exist at run time are not seen here; their allocation failures are mapped to
 * `resources` where ONNX Runtime reports them (errors.ts, allocationFailure).
 */

/**
 * Latent-sized float32 buffers alive at once, per batch row: the latent, the noise, the model's
 * input and velocity, guidance and the step cache's residuals, with room for the graphs' own.
 */
const LATENT_COPIES = 16
/** CFG runs the conditional and unconditional rows together. */
const BATCH = 2
/** Per output value: the decoder's float32 image (3 channels) twice, the RGBA8 pixels, the encoder. */
const BYTES_PER_OUTPUT_PIXEL = 3 * 4 * 2 + 4 + 4
/** The package keeps each graph's bytes and ONNX Runtime its own copy of the weights. */
const WEIGHT_COPIES = 2

export interface MemoryPart {
  what: string
  bytes: number
}

/** What the manifest alone says: latent and output buffers. */
export function manifestMemory(m: ModelManifest): MemoryPart[] {
  const { channels, frames, height, width } = m.latent
  const latent = channels * frames * height * width
  const output = m.output.frames * m.output.height * m.output.width
  return [
    {
      what: `latent ${[channels, frames, height, width].join('×')}`,
      bytes: latent * 4 * BATCH * LATENT_COPIES
    },
    {
      what: `output ${m.output.width}×${m.output.height}×${m.output.frames}`,
      bytes: output * BYTES_PER_OUTPUT_PIXEL
    }
  ]
}

/** What the graphs say: their weights and the largest tensor one makes from a constant shape. */
export function graphMemory(
  files: ReadonlyMap<string, Uint8Array>,
  graph: (file: string) => ModelProto
): MemoryPart[] {
  let weights = 0
  let largest: MemoryPart | null = null
  for (const [file, bytes] of files) {
    if (!file.endsWith('.onnx')) continue
    weights += bytes.length
    const big = largestConstantShape(graph(file).graph)
    if (big && (!largest || big.bytes > largest.bytes))
      largest = { what: `${file}: ${big.what}`, bytes: big.bytes }
  }
  const parts: MemoryPart[] = [{ what: 'weights', bytes: weights * WEIGHT_COPIES }]
  // The tensor and its consumer's output of the same size are alive together.
  if (largest) parts.push({ what: largest.what, bytes: largest.bytes * 2 })
  return parts
}

/**
 * Refuses a model whose estimate exceeds the machine's memory (`available`, default the total
 * RAM: the engine should not count on the free memory of the moment).
 */
export function assertFitsMemory(id: string, parts: readonly MemoryPart[], available = totalmem()): void {
  const total = parts.reduce((a, p) => a + p.bytes, 0)
  if (total <= available) return
  const biggest = [...parts].sort((a, b) => b.bytes - a.bytes)[0]
  throw new EngineFailure(
    'resources',
    `${id}: needs about ${formatBytes(total)} of memory to generate, more than this machine's ${formatBytes(available)} (most of it: ${biggest.what}, ${formatBytes(biggest.bytes)})`
  )
}

const ELEMENT_BYTES: Record<number, number> = {
  1: 4, // FLOAT
  2: 1, // UINT8
  3: 1, // INT8
  4: 2, // UINT16
  5: 2, // INT16
  6: 4, // INT32
  7: 8, // INT64
  9: 1, // BOOL
  10: 2, // FLOAT16
  11: 8, // DOUBLE
  12: 4, // UINT32
  13: 8, // UINT64
  16: 2 // BFLOAT16
}

/** ConstantOfShape and Expand nodes whose shape input is a constant: the largest output. */
function largestConstantShape(g: Onnx.IGraphProto | null | undefined): MemoryPart | null {
  if (!g) return null
  const constants = new Map<string, Onnx.ITensorProto>()
  for (const t of g.initializer ?? []) if (t.name) constants.set(t.name, t)
  for (const n of g.node ?? []) {
    if (n.opType !== 'Constant') continue
    const value = n.attribute?.find((a) => a.name === 'value')?.t
    if (value && n.output?.[0]) constants.set(n.output[0], value)
  }
  let largest: MemoryPart | null = null
  for (const n of g.node ?? []) {
    const shapeInput =
      n.opType === 'ConstantOfShape' ? n.input?.[0] : n.opType === 'Expand' ? n.input?.[1] : null
    const shape = shapeInput ? int64Values(constants.get(shapeInput)) : null
    if (!shape) continue
    const dtype =
      n.opType === 'ConstantOfShape' ? (n.attribute?.find((a) => a.name === 'value')?.t?.dataType ?? 1) : 1
    const bytes = shape.reduce((a, d) => a * Math.max(d, 1), 1) * (ELEMENT_BYTES[dtype] ?? 4)
    if (!largest || bytes > largest.bytes) {
      largest = { what: `${n.opType} ${n.name ? `"${n.name}" ` : ''}of [${shape.join(', ')}]`, bytes }
    }
  }
  return largest
}

/** The values of a 1-D int64 tensor (a shape), from int64Data or rawData. */
function int64Values(t: Onnx.ITensorProto | undefined): number[] | null {
  const INT64 = 7
  if (!t || t.dataType !== INT64) return null
  if (t.int64Data && t.int64Data.length > 0) return t.int64Data.map((v) => toNumber(v))
  const raw = t.rawData
  if (!raw || raw.length % 8 !== 0) return null
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
}
