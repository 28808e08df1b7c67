import { copyInto, type Calibrator } from './calibrator'

/**
 * TaylorSeer (arXiv 2503.06923) as CacheDiT uses it on DBCache's middle residual (docs/cache-algorithm.md §3):
 * keep a ladder of finite-difference derivatives at the last computed step and extrapolate with
 * a Taylor series on cached steps.
 *
 *   update at computed step t (previous computed step t', Δ = t − t'):
 *     d₀(t) = Y(t),   dᵢ₊₁(t) = (dᵢ(t) − dᵢ(t')) / Δ      (while dᵢ(t') exists, i < order)
 *   approximate at cached step t + e:
 *     Y(t + e) ≈ Σᵢ dᵢ(t) · eⁱ / i!                         (stops at the first missing dᵢ)
 *
 * Δ is the latest gap for every order, as in CacheDiT (not a true non-uniform divided
 * difference). Differences from CacheDiT's start-up (docs/cache-differences.md): the state
 * exists from the start and step indices come from the caller, so the first derivative appears
 * at the second computed step instead of the third or fourth.
 */
export class TaylorSeer implements Calibrator {
  readonly order: number
  // Two ladders whose buffers swap roles on every update, so a warm stream allocates nothing.
  #cur: (Float32Array | null)[]
  #prev: (Float32Array | null)[]
  #curCount = 0
  #prevCount = 0
  #lastStep = -1
  #dims: readonly number[] | null = null

  constructor(order: number) {
    if (!Number.isInteger(order) || order < 0)
      throw new Error(`TaylorSeer order must be an integer ≥ 0, got ${order}`)
    this.order = order
    this.#cur = new Array<Float32Array | null>(order + 1).fill(null)
    this.#prev = new Array<Float32Array | null>(order + 1).fill(null)
  }

  get dims(): readonly number[] | null {
    return this.#dims
  }

  /** How many terms (value + derivatives) the next forecast uses. */
  get terms(): number {
    return this.#curCount
  }

  reset(): void {
    this.#curCount = 0
    this.#prevCount = 0
    this.#lastStep = -1
    this.#dims = null
  }

  update(value: Float32Array, dims: readonly number[], step: number): void {
    if (this.#dims !== null && !sameDims(this.#dims, dims)) this.reset()
    const window = step - this.#lastStep
    // A repeated or backward step cannot form a derivative: restart the ladder from this value.
    if (this.#curCount > 0 && window <= 0) this.reset()

    const recycled = this.#prev
    this.#prev = this.#cur
    this.#prevCount = this.#curCount
    this.#cur = recycled

    this.#cur[0] = copyInto(this.#cur[0], value)
    let count = 1
    for (let i = 0; i < this.order && i < this.#prevCount; i++) {
      const hi = this.#cur[i] as Float32Array
      const lo = this.#prev[i] as Float32Array
      let out = this.#cur[i + 1]
      if (out === null || out.length !== hi.length) out = new Float32Array(hi.length)
      for (let j = 0; j < hi.length; j++) out[j] = (hi[j] - lo[j]) / window
      this.#cur[i + 1] = out
      count++
    }
    this.#curCount = count
    this.#lastStep = step
    this.#dims = [...dims]
  }

  /** Both ladders: the buffers stay allocated across updates (they swap roles). */
  heldBytes(): number {
    let n = 0
    for (const b of [...this.#cur, ...this.#prev]) n += b?.byteLength ?? 0
    return n
  }

  accumulateInto(out: Float32Array, step: number): void {
    if (this.#curCount === 0) throw new Error('TaylorSeer: no computed step to extrapolate from')
    const elapsed = step - this.#lastStep
    let coefficient = 1 // eⁱ / i!
    for (let i = 0; i < this.#curCount; i++) {
      if (i > 0) coefficient *= elapsed / i
      const d = this.#cur[i] as Float32Array
      if (coefficient === 1) {
        for (let j = 0; j < out.length; j++) out[j] += d[j]
      } else {
        for (let j = 0; j < out.length; j++) out[j] += coefficient * d[j]
      }
    }
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
