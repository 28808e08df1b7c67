import { EngineFailure } from '../errors'
import type { Tensor } from '../tensor'

/**
 * NaN or ±Inf in a stream leaving the cache. Raised instead of letting the value flow into the
 * scheduler and the image; an EngineFailure with the protocol's `numeric` code, so the engine
 * reports it as is.
 */
export class NonFiniteError extends EngineFailure {
  constructor(message: string) {
    super('numeric', message)
    this.name = 'NonFiniteError'
  }
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(t: Tensor): number {
  const d = t.data
  for (let i = 0; i < d.length; i++) {
    // x − x is 0 for finite x and NaN for NaN and ±Inf: one comparison per element.
    if (d[i] - d[i] !== 0) return i
  }
  return -1
}

export function assertFinite(t: Tensor | null, what: string): void {
  if (t === null) return
  const at = firstNonFinite(t)
  if (at >= 0) throw new NonFiniteError(`non-finite value ${t.data[at]} at index ${at} of ${what}`)
}
