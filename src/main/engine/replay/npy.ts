import { fromFloat16Bits } from '../model/float16'

/**
 * NumPy's .npy format (versions 1–3), the few element types goldens hold: float32, float64
 * (read as float32: the engine's tensors are), float16 (widened), int64 and int32 (read as int64). C order only.
 * The header is a Python dict literal; it is parsed by pattern, never evaluated.
 */

export type NpyArray =
  | { kind: 'float32'; data: Float32Array; shape: number[] }
  | { kind: 'int64'; data: BigInt64Array; shape: number[] }

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

export function parseNpy(bytes: Uint8Array, label: string): NpyArray {
  const fail = (why: string): never => {
    throw new Error(`${label}: ${why}`)
  }
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (no \\x93NUMPY magic)')
  const major = bytes[6]
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let headerLen: number
  let start: number
  if (major === 1) {
    headerLen = view.getUint16(8, true)
    start = 10
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header')
    headerLen = view.getUint32(8, true)
    start = 12
  } else {
    return fail(`.npy version ${major} is not one this reader knows (1, 2, 3)`)
  }
  if (start + headerLen > bytes.length) fail('truncated header')
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen)
  )
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail(`header is not a NumPy array header (${header.trim().slice(0, 80)})`)
  if (fortran === 'True') fail('Fortran-ordered arrays are not supported')
  const shape = (shapeText as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s)
      if (!Number.isInteger(n) || n < 0) fail(`bad dimension "${s}" in the shape`)
      return n
    })
  const count = shape.reduce((a, b) => a * b, 1)
  const body = bytes.subarray(start + headerLen)
  const little = (descr as string).startsWith('<') || (descr as string).startsWith('|')
  const type = (descr as string).slice(1)
  const size = { f4: 4, f8: 8, f2: 2, i8: 8, i4: 4 }[type]
  if (size === undefined || (!little && size > 1))
    return fail(`element type '${descr}' is not one this reader knows (<f4, <f8, <f2, <i8, <i4)`)
  if (body.length < count * size) fail(`holds ${body.length} bytes of data, its shape needs ${count * size}`)
  const dv = new DataView(body.buffer, body.byteOffset, count * size)
  if (type === 'i8' || type === 'i4') {
    const data = new BigInt64Array(count)
    for (let i = 0; i < count; i++)
      data[i] = type === 'i8' ? dv.getBigInt64(i * 8, true) : BigInt(dv.getInt32(i * 4, true))
    return { kind: 'int64', data, shape }
  }
  if (type === 'f2') {
    const halves = new Uint16Array(count)
    for (let i = 0; i < count; i++) halves[i] = dv.getUint16(i * 2, true)
    return { kind: 'float32', data: fromFloat16Bits(halves), shape }
  }
  const data = new Float32Array(count)
  for (let i = 0; i < count; i++)
    data[i] = type === 'f4' ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true)
  return { kind: 'float32', data, shape }
}
