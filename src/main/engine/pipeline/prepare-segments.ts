import { checkBlockBudget, type CacheConfig } from '../../../shared/cache-config'
import { EngineFailure } from '../errors'
import type { BeforeCall, BlockProgram } from '../model/block-program'

/**
 * Compiling a block list's segments before step 0, so that compilation stays out of the step
 * times: the manifest models' generate and every family's loop do it alike, after checking the
 * cache's Fn and Bn against the list's blocks.
 */

/**
 * The block ranges the cache asks for: [0, N) without it, else the first Fn, the middle and the
 * last Bn blocks.
 */
function cacheRanges(c: CacheConfig, n: number): [number, number][] {
  if (!c.enabled) return [[0, n]]
  return [
    [0, c.Fn],
    [c.Fn, n - c.Bn],
    [n - c.Bn, n]
  ]
}

/**
 * One block list of a transformer (`transformer`: its name) checked against the cache's budget,
 * refused as `${refusal}: problem`, then its segments compiled at each of `batches`.
 */
export async function prepareBlockList(
  transformer: string,
  program: BlockProgram,
  cache: CacheConfig,
  batches: readonly number[],
  beforeCall: BeforeCall,
  refusal: string
): Promise<void> {
  const problem = checkBlockBudget(
    cache,
    program.blockCount,
    `${transformer}/${program.name}`,
    program.crossReads
  )
  if (problem) throw new EngineFailure('bad_request', `${refusal}: ${problem}`)
  // Compiling a model's segments the first time can take seconds: stay cancellable.
  beforeCall()
  for (const batch of batches) await program.prepare(cacheRanges(cache, program.blockCount), batch)
}
