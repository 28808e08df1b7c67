import { copyInto, type Calibrator } from './calibrator'

/**
 * Plain DBCache: keep the latest middle-block residual and add it unchanged on cached steps
 * (docs/cache-algorithm.md §2.2, CacheDiT's `..._Bn_residual` buffer). Only the latest value is kept; its
 * buffer is reused across steps.
 */
export class ResidualStore implements Calibrator {
  #value: Float32Array | null = null
  #dims: readonly number[] | null = null

  get dims(): readonly number[] | null {
    return this.#dims
  }

  reset(): void {
    this.#dims = null
  }

  update(value: Float32Array, dims: readonly number[]): void {
    this.#value = copyInto(this.#value, value)
    this.#dims = [...dims]
  }

  heldBytes(): number {
    return this.#value?.byteLength ?? 0
  }

  accumulateInto(out: Float32Array): void {
    const v = this.#value
    if (this.#dims === null || v === null) throw new Error('ResidualStore: nothing stored to reuse')
    for (let i = 0; i < out.length; i++) out[i] += v[i]
  }
}
