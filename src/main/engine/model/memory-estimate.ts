import { totalmem } from 'node:os'
import type { onnx as Onnx } from 'onnx-proto'
import type { ImportedManifest } from '../../../shared/imported-manifest'
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
  return latentAndOutput(m.latent, m.output, BATCH)
}

function latentAndOutput(
  latent: { channels: number; frames: number; height: number; width: number },
  output: { width: number; height: number; frames: number },
  rows: number
): MemoryPart[] {
  const { channels, frames, height, width } = latent
  return [
    {
      what: `latent ${[channels, frames, height, width].join('×')}`,
      bytes: channels * frames * height * width * 4 * rows * LATENT_COPIES
    },
    {
      what: `output ${output.width}×${output.height}×${output.frames}`,
      bytes: output.frames * output.height * output.width * BYTES_PER_OUTPUT_PIXEL
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
 * An imported package (shared/imported-manifest.ts), estimated from its manifest and file sizes
 * alone: no weight is read. Weights: every graph the engine opens a session for (the cut
 * transformer graphs, whose bytes the package holds, and the components no transformer was cut
 * from, read from the source folder) twice, as graphMemory counts them, and the external-data
 * files in those graphs' folders (manifest.sourceFiles) once: ONNX Runtime reads them into its
 * own buffers and the engine holds no copy. Activations: the latent and output buffers at the
 * requested size, as for our packages, and the attention of one transformer call, the largest
 * tensor a call makes (heads × tokens² float32 scores and their softmax, for each of the call's
 * rows: CFG's two where the family batches them, family-loop.ts).
 */
export function importedMemory(
  m: ImportedManifest,
  packageFileBytes: (file: string) => number,
  request: { size: ImportedSize; rows: 1 | 2 }
): MemoryPart[] {
  const cutFrom = new Set(m.transformers.map((t) => t.component))
  const graphFiles = new Set(Object.values(m.components).map((g) => g.file))
  let graphs = 0
  for (const file of Object.keys(m.files)) graphs += packageFileBytes(file)
  const externalDirs = m.transformers.map((t) => t.externalDataDir)
  for (const [name, g] of Object.entries(m.components)) {
    if (cutFrom.has(name)) continue
    graphs += m.sourceFiles[g.file]?.size ?? 0
    if (g.externalDataDir) externalDirs.push(g.externalDataDir)
  }
  let external = 0
  const counted = new Set<string>()
  for (const dir of externalDirs)
    for (const [file, { size: bytes }] of Object.entries(m.sourceFiles)) {
      if (counted.has(file) || !file.startsWith(`${dir}/`) || graphFiles.has(file)) continue
      if (/\.(json|txt)$/.test(file)) continue
      counted.add(file)
      external += bytes
    }
  const shape = importedLatent(m, request.size)
  const parts: MemoryPart[] = [
    { what: 'weights', bytes: graphs * WEIGHT_COPIES + external },
    ...latentAndOutput(shape.latent, shape.output, request.rows)
  ]
  const heads = positiveInt(record(m.configs.transformer)?.num_attention_heads)
  if (heads !== null) {
    const tokens = shape.tokens + textTokens(m)
    parts.push({
      what: `attention of one transformer call: ${heads} heads × ${tokens}² tokens`,
      bytes: heads * tokens * tokens * 4 * 2 * request.rows
    })
  }
  return parts
}

/** The longest text the families' pipelines feed the transformer (max_sequence_length 512). */
const MAX_TEXT_TOKENS = 512

function textTokens(m: ImportedManifest): number {
  const t = m.promptTokenizer ? m.tokenizers[m.promptTokenizer] : undefined
  return Math.min(t?.maxLength ?? MAX_TEXT_TOKENS, MAX_TEXT_TOKENS)
}

/**
 * The latent of a request at `size`, from the VAE config the package keeps: its channels
 * (latent_channels, or Wan's and Qwen-Image's z_dim), its spatial scale (2^(levels-1) of
 * block_out_channels, or scale_factor_spatial) and, for video, its temporal scale. Where the
 * package keeps no VAE config, FLUX's 16 channels and a scale of 8. Every family here makes one
 * transformer token of each 2×2 latent positions (FLUX and Qwen-Image pack them, the others patch).
 */
function importedLatent(m: ImportedManifest, size: ImportedSize) {
  const vae = record(m.configs.vae)
  const channels = positiveInt(vae?.latent_channels) ?? positiveInt(vae?.z_dim) ?? 16
  const levels = Array.isArray(vae?.block_out_channels) ? vae.block_out_channels.length : null
  const scale = levels ? 2 ** (levels - 1) : (positiveInt(vae?.scale_factor_spatial) ?? 8)
  const frames = m.kind === 'video' ? (size.frames ?? m.defaults.frames ?? 1) : 1
  const temporal = positiveInt(vae?.scale_factor_temporal) ?? 4
  const latentFrames = m.kind === 'video' ? Math.floor((frames - 1) / temporal) + 1 : 1
  const height = Math.ceil(size.height / scale)
  const width = Math.ceil(size.width / scale)
  return {
    latent: { channels, frames: latentFrames, height, width },
    output: { width: size.width, height: size.height, frames },
    tokens: latentFrames * Math.ceil(height / 2) * Math.ceil(width / 2)
  }
}

export interface ImportedSize {
  width: number
  height: number
  frames?: number
}

function record(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
}

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null
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
