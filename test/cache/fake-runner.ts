import { CacheConfigSchema, type CacheConfig, type CacheConfigInput } from '../../src/shared/cache-config'
import type { ForwardPattern } from '../../src/shared/manifest'
import type { Branch, DecisionReason } from '../../src/shared/trace'
import type { BlockRunner, StepCache, Streams } from '../../src/main/engine/cache/seam'
import { tensor, type Tensor } from '../../src/main/engine/tensor'

/**
 * A block list whose blocks are hand-computable: block b at step t adds `hiddenOffset(b, t)` to
 * every hidden value. The encoder stream follows the forward pattern, mapped to Streams the way
 * the engine's BlockRunner does: Pattern_0/1 add `encoderOffset(b, t)`, Pattern_2 passes it
 * through, Pattern_3 has none, Pattern_4/5 produce it from the hidden stream (hidden/2 + b + 1).
 */
export class FakeRunner implements BlockRunner {
  readonly blockCount: number
  /** The scheduler step the blocks see (their offsets depend on it). */
  step = 0
  /** Every [from, to) range run, in order. */
  readonly ranges: [number, number][] = []
  /** The streams the next call enters with. */
  input: Streams

  constructor(
    blockCount: number,
    readonly hiddenOffset: (block: number, step: number) => number,
    readonly pattern: ForwardPattern = 'Pattern_0',
    readonly encoderOffset: (block: number, step: number) => number = (b) => 10 * (b + 1)
  ) {
    this.blockCount = blockCount
    this.input = defaultInput(pattern)
  }

  /** Blocks run in total since the last reset of `ranges`. */
  get blocksRun(): number {
    return this.ranges.reduce((n, [a, b]) => n + b - a, 0)
  }

  async enter(to: number): Promise<{ input: Streams; output: Streams }> {
    const input = this.input
    return { input, output: await this.run(0, to, input) }
  }

  async run(from: number, to: number, input: Streams): Promise<Streams> {
    this.ranges.push([from, to])
    let s = input
    for (let b = from; b < to; b++) s = this.#block(b, s)
    return s
  }

  #block(b: number, s: Streams): Streams {
    const h = map(s.hidden, (v) => v + this.hiddenOffset(b, this.step))
    switch (this.pattern) {
      case 'Pattern_0':
      case 'Pattern_1':
        if (s.encoder === null) throw new Error(`${this.pattern} block ${b} needs an encoder stream`)
        return { hidden: h, encoder: map(s.encoder, (v) => v + this.encoderOffset(b, this.step)) }
      case 'Pattern_2':
        if (s.encoder === null) throw new Error(`Pattern_2 block ${b} needs an encoder stream`)
        return { hidden: h, encoder: s.encoder }
      case 'Pattern_3':
        return { hidden: h, encoder: null }
      case 'Pattern_4':
      case 'Pattern_5':
        return { hidden: h, encoder: map(h, (v) => v / 2 + b + 1) }
    }
  }
}

export function map(t: Tensor, f: (v: number) => number): Tensor {
  return tensor(t.data.map(f), t.dims)
}

export function filled(value: number, dims: readonly number[] = [1, 2, 4]): Tensor {
  return tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value), dims)
}

export function config(input: CacheConfigInput): CacheConfig {
  return CacheConfigSchema.parse(input)
}

export interface CallOptions {
  branch?: Branch
  transformer?: string
  context?: string
  input?: Streams
}

/** One transformer call of one context at `step`; returns the output streams. */
export async function call(
  cache: StepCache,
  runner: FakeRunner,
  step: number,
  o: CallOptions = {}
): Promise<Streams> {
  runner.step = step
  runner.input = o.input ?? defaultInput(runner.pattern)
  return cache.runBlocks(
    {
      step,
      timestep: 1 - step / 100,
      branch: o.branch ?? 'batched',
      transformer: o.transformer ?? 'transformer',
      context: o.context ?? 'blocks'
    },
    runner
  )
}

/**
 * Calls `runner` at steps 0 … steps - 1: at each step one call per branch in `branches`, in that
 * order (one batched call by default).
 */
export async function callSteps(
  cache: StepCache,
  runner: FakeRunner,
  steps: number,
  branches: readonly Branch[] = ['batched']
): Promise<void> {
  for (let t = 0; t < steps; t++) for (const branch of branches) await call(cache, runner, t, { branch })
}

/** The reason of every decision so far, in call order. */
export function reasons(cache: StepCache): DecisionReason[] {
  return cache.traces().map((x) => x.reason)
}

/**
 * The reason of every decision so far, one list per step (consecutive decisions of the same step),
 * in call order: flattened, it is `reasons(cache)`.
 */
export function reasonsByStep(cache: StepCache): DecisionReason[][] {
  const byStep: DecisionReason[][] = []
  let step = -1
  for (const x of cache.traces()) {
    if (byStep.length === 0 || x.step !== step) byStep.push([])
    byStep[byStep.length - 1].push(x.reason)
    step = x.step
  }
  return byStep
}

export function defaultInput(pattern: ForwardPattern): Streams {
  const hasEncoderInput = pattern === 'Pattern_0' || pattern === 'Pattern_1' || pattern === 'Pattern_2'
  return { hidden: filled(1), encoder: hasEncoderInput ? filled(0, [1, 3, 4]) : null }
}

/** First value of a tensor (the fake blocks keep every value equal). */
export const v0 = (t: Tensor | null): number => {
  if (t === null) throw new Error('no tensor')
  return t.data[0]
}
