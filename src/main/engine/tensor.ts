/**
 * The engine's own tensor: float32 data in row-major order with its dims. ONNX Runtime's
 * Tensor stays behind model/session.ts; everything else (pipeline, cache) uses this.
 */
export interface Tensor {
  readonly data: Float32Array
  readonly dims: readonly number[]
}

export function tensor(data: Float32Array, dims: readonly number[]): Tensor {
  const size = dims.reduce((a, b) => a * b, 1)
  if (size !== data.length) {
    throw new Error(`tensor dims [${dims.join(', ')}] need ${size} values, got ${data.length}`)
  }
  return { data, dims: [...dims] }
}

export function sameShape(a: Tensor, b: Tensor): boolean {
  return a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i])
}
