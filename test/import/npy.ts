import { readFileSync } from 'node:fs'

/**
 * A reader for the fixtures' .npy files (NumPy format 1.0–3.0, little-endian float32, float16,
 * float64 and int64, C order): what the golden tensors of the diffusers fixtures are stored as.
 */
export interface Npy {
  dtype: string
  shape: number[]
  /** float types as float32 (float64 and float16 converted), int64 as BigInt64Array. */
  data: Float32Array | BigInt64Array
}

export function readNpy(path: string): Npy {
  const buf = readFileSync(path)
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`)
  const major = buf[6]
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8)
  const start = major === 1 ? 10 : 12
  const header = buf.toString('latin1', start, start + headerLen)
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? ''
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not supported`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number)
  const body = buf.subarray(start + headerLen)
  const n = shape.reduce((a, b) => a * b, 1)
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  if (descr === '<f4') {
    const data = new Float32Array(n)
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true)
    return { dtype: 'float32', shape, data }
  }
  if (descr === '<f8') {
    const data = new Float32Array(n)
    for (let i = 0; i < n; i++) data[i] = view.getFloat64(i * 8, true)
    return { dtype: 'float64', shape, data }
  }
  if (descr === '<i8') {
    const data = new BigInt64Array(n)
    for (let i = 0; i < n; i++) data[i] = view.getBigInt64(i * 8, true)
    return { dtype: 'int64', shape, data }
  }
  throw new Error(`${path}: dtype ${descr} is not supported`)
}

export function readFloat(path: string): { data: Float32Array; dims: number[] } {
  const npy = readNpy(path)
  if (!(npy.data instanceof Float32Array)) throw new Error(`${path}: not a float tensor`)
  return { data: npy.data, dims: npy.shape }
}
