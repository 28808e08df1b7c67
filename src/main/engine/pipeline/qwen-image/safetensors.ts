import { z } from 'zod'
import { EngineFailure } from '../../errors'
import { fromFloat16Bits } from '../../model/float16'

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data), for the few element types prompt
 * embeddings come in: F32, F16 and BF16 (widened to float32), I64, I32 and BOOL/U8 (as int64).
 */

export type SafeTensor =
  | { kind: 'float32'; data: Float32Array; shape: number[] }
  | { kind: 'int64'; data: BigInt64Array; shape: number[] }

const EntrySchema = z.object({
  dtype: z.enum(['F32', 'F16', 'BF16', 'I64', 'I32', 'U8', 'BOOL']),
  shape: z.array(z.number().int().nonnegative()).max(8),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])
})

const SIZE: Record<z.infer<typeof EntrySchema>['dtype'], number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  U8: 1,
  BOOL: 1
}

export function parseSafetensors(bytes: Uint8Array, label: string): Map<string, SafeTensor> {
  const fail = (why: string): never => {
    throw new EngineFailure('bad_request', `${label}: ${why}`)
  }
  if (bytes.length < 8) fail('not a safetensors file (shorter than its header length)')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLen = Number(view.getBigUint64(0, true))
  if (headerLen > bytes.length - 8 || headerLen > 100 * 1024 * 1024)
    fail('not a safetensors file (header length)')
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)))
  } catch {
    fail('not a safetensors file (its header is not JSON)')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return fail('header is not an object')
  const start = 8 + headerLen
  const out = new Map<string, SafeTensor>()
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue
    const e = EntrySchema.safeParse(raw)
    if (!e.success) fail(`tensor "${name}": ${e.error.issues[0].path.join('.')} ${e.error.issues[0].message}`)
    const {
      dtype,
      shape,
      data_offsets: [b, end]
    } = e.data!
    const count = shape.reduce((a, c) => a * c, 1)
    if (end - b !== count * SIZE[dtype] || start + end > bytes.length)
      fail(`tensor "${name}": its byte range does not hold [${shape.join(', ')}] ${dtype}`)
    const at = (i: number) => start + b + i * SIZE[dtype]
    if (dtype === 'F16') {
      const halves = new Uint16Array(count)
      for (let i = 0; i < count; i++) halves[i] = view.getUint16(at(i), true)
      out.set(name, { kind: 'float32', data: fromFloat16Bits(halves), shape })
    } else if (dtype === 'F32' || dtype === 'BF16') {
      const data = new Float32Array(count)
      for (let i = 0; i < count; i++)
        data[i] =
          dtype === 'F32'
            ? view.getFloat32(at(i), true)
            : new Float32Array(new Uint32Array([view.getUint16(at(i), true) << 16]).buffer)[0]
      out.set(name, { kind: 'float32', data, shape })
    } else {
      const data = new BigInt64Array(count)
      for (let i = 0; i < count; i++)
        data[i] =
          dtype === 'I64'
            ? view.getBigInt64(at(i), true)
            : BigInt(dtype === 'I32' ? view.getInt32(at(i), true) : view.getUint8(at(i)))
      out.set(name, { kind: 'int64', data, shape })
    }
  }
  return out
}
