import type { CacheConfig } from '../../../shared/cache-config'
import type { Branch, CacheSummary, StepTrace } from '../../../shared/trace'
import type { Tensor } from '../tensor'

/**
 * The one seam between the denoising loop and the step cache. The pipeline names the call
 * (step, branch, transformer, context) and hands over a runner for the context's blocks; the
 * cache decides which block ranges run. Neither knows the other's internals.
 */

/** The two streams a block list carries; `encoder` is null where the pattern has none (yet). */
export interface Streams {
  hidden: Tensor
  encoder: Tensor | null
}

/**
 * Runs contiguous ranges of one context's blocks in one transformer call, context tensors (temb,
 * …) bound. The runner holds the call's input: a call starts with `enter`, which also returns the
 * streams that entered block 0, because the first context computes them (the embed graph) in the
 * same session call as its first blocks.
 */
export interface BlockRunner {
  readonly blockCount: number
  /** Runs blocks [0, to) on the call's input (to ≥ 1); returns that input and the output. */
  enter(to: number): Promise<{ input: Streams; output: Streams }>
  /** Runs blocks [from, to) on `input`; from === to returns the input unchanged. */
  run(from: number, to: number, input: Streams): Promise<Streams>
  /**
   * Runs every block on the call's input and returns the output only: what a call that caches
   * nothing needs. A runner may then skip returning what only `enter` hands back (the engine's
   * fetches fewer outputs: docs/engine.md, "Per-call overhead"). Without it, `enter(blockCount)`.
   */
  runAll?(): Promise<Streams>
}

/*
 * Ownership: the streams `enter`, `run` and `runAll` return are the caller's to overwrite, except
 * a stream a block range passes through unchanged (Pattern_2's encoder), which is the very tensor
 * it was handed.
 */

export interface CallInfo {
  /** Scheduler step index, 0-based, shared by both CFG branches of a step. */
  step: number
  /** The sigma of this step. */
  timestep: number
  branch: Branch
  transformer: string
  /** Block list name, or merged lists joined by '+'. */
  context: string
}

export interface StepCache {
  /** Forget every context: called at the start of each generation. */
  beginGeneration(): void
  /** Runs one context of one transformer call through the cache. */
  runBlocks(call: CallInfo, runner: BlockRunner): Promise<Streams>
  /** Every decision so far, in call order. */
  traces(): readonly StepTrace[]
  /** Decisions recorded since the last drain (for progress events). */
  drainTraces(): StepTrace[]
  summary(): CacheSummary
  /**
   * Bytes of the tensors the cache holds now (residuals, probes, TaylorSeer ladders); they stay
   * until the next beginGeneration. Optional so that test doubles need not count.
   */
  heldBytes?(): number
}

export type CreateStepCache = (config: CacheConfig) => StepCache
