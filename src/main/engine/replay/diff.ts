import { EngineFailure } from '../errors'
import type { Tensor } from '../tensor'

/**
 * How a replay compares the engine's numbers with a golden's: the largest absolute difference, and
 * token ids one by one.
 */

/** max |a − b| of two tensors of one shape (a shape mismatch is refused, naming `what`). */
export function tensorDiff(a: Tensor, b: Tensor, what: string): number {
  if (a.dims.join() !== b.dims.join())
    throw new EngineFailure(
      'bad_request',
      `${what}: the engine's are [${a.dims.join(', ')}], the golden's [${b.dims.join(', ')}]`
    )
  return maxAbsDiff(a.data, b.data)
}

/** max |a − b|; Infinity where the lengths differ, NaN where any difference is NaN. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let m = 0
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i])
    if (!(d <= m)) m = d // NaN wins
  }
  return m
}

/**
 * The largest |Δ| of the engine's sigmas from the golden's; timesteps that differ from the
 * golden's are refused (the steps would not compare).
 */
export function scheduleMaxAbsDiff(
  dir: string,
  engine: { sigmas: ArrayLike<number>; timesteps: ArrayLike<number> },
  golden: { sigmas: ArrayLike<number>; timesteps: ArrayLike<number> }
): number {
  if (maxAbsDiff(engine.timesteps, golden.timesteps) !== 0)
    throw new EngineFailure(
      'bad_request',
      `${dir}: the engine's timesteps [${Array.from(engine.timesteps).join(', ')}] are not the golden's [${Array.from(golden.timesteps).join(', ')}]`
    )
  return maxAbsDiff(engine.sigmas, golden.sigmas)
}

/** Whether the engine's token ids are the golden's, one by one. */
export function sameIds(a: ArrayLike<number | bigint>, b: BigInt64Array): boolean {
  return a.length === b.length && Array.from(a).every((v, i) => BigInt(v) === b[i])
}
