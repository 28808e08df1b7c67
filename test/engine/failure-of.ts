import { expect } from 'vitest'
import { EngineFailure } from '../../src/main/engine/errors'

/** The EngineFailure `p` rejects with; a test that expected one fails if it resolves or throws another. */
export async function failureOf(p: Promise<unknown>): Promise<EngineFailure> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(EngineFailure)
    return e as EngineFailure
  }
  throw new Error('it did not fail')
}
