import { tensor, type Tensor } from '../tensor'

/** Batch-axis helpers for classifier-free guidance run as one batched call. */

/** Stacks tensors of equal shape along the batch axis (axis 0). */
export function concatBatch(parts: readonly Tensor[]): Tensor {
  const [first] = parts
  const rest = first.dims.slice(1)
  for (const p of parts) {
    if (p.dims.slice(1).join() !== rest.join())
      throw new Error(`cannot batch [${p.dims.join(', ')}] with [${first.dims.join(', ')}]`)
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0))
  let offset = 0
  for (const p of parts) {
    data.set(p.data, offset)
    offset += p.data.length
  }
  return tensor(data, [parts.reduce((n, p) => n + p.dims[0], 0), ...rest])
}

/** Splits a batch into `n` equal tensors (views, no copy). */
export function splitBatch(t: Tensor, n: number): Tensor[] {
  if (t.dims[0] % n !== 0) throw new Error(`batch ${t.dims[0]} does not split into ${n}`)
  const size = t.data.length / n
  const dims = [t.dims[0] / n, ...t.dims.slice(1)]
  return Array.from({ length: n }, (_, i) => tensor(t.data.subarray(i * size, (i + 1) * size), dims))
}

/** `count` copies of one value on the batch axis, e.g. the timestep of every sample. */
export function filled(value: number, count: number): Tensor {
  return tensor(new Float32Array(count).fill(value), [count])
}
