import { GenerateRequestSchema } from '../shared/generation'
import type { Provider } from '../shared/providers'
import { createStepCache } from '../main/engine/cache/index'
import { LoadedModel, type LoadedTransformer } from '../main/engine/model/loaded-model'
import { loadPackage } from '../main/engine/model/package'
import { compileWholeTransformer } from '../main/engine/model/segments'
import { DEFAULT_TUNING, Session, type SessionTuning } from '../main/engine/model/session'
import { runPipeline } from '../main/engine/pipeline/generate'
import { cfgCallBatch } from '../main/engine/pipeline/guidance'
import { callTransformer, type TransformerCall } from '../main/engine/pipeline/transformer-call'
import type { Tensor } from '../main/engine/tensor'

/**
 * Time per denoising step of one model run three ways, in one process, interleaved step by step
 * so that a busy machine slows all three alike:
 * - `segments`: each cache context's blocks fused into one graph (what the engine runs, cache off);
 * - `blocks`:   one session per block, chained in JS (the naive way);
 * - `whole`:    embed + every block + final fused into one graph (the yardstick).
 * The same loop runs all three (same noise, CFG mode and scheduler); only the transformer call
 * differs. Each round runs one generation of `steps` steps per variant, in an order that cycles
 * every round, after one warm-up round; a sample is that generation's mean time per step (every
 * CFG branch). Whole generations, not single steps: what the cache sets up once per generation
 * (its per-context state) is a cost per generation, and a one-step sample charged it all to one
 * step (+6..8 % that the session calls themselves did not show).
 */

export const BENCH_VARIANTS = ['segments', 'blocks', 'whole'] as const
export type BenchVariant = (typeof BENCH_VARIANTS)[number]

/**
 * Every order of the variants, one per round. A rotation of one order would always run each
 * variant right after the same other one, so whatever that one leaves behind (caches, allocator
 * state) lands on the same variant every time. (The rotation gave segments +14 % over whole; most
 * of that turned out to be glibc's malloc defaults, see SegmentBenchResult.glibcMallocDefaults.)
 */
const ORDERS: readonly (readonly BenchVariant[])[] = [
  ['segments', 'blocks', 'whole'],
  ['whole', 'segments', 'blocks'],
  ['blocks', 'whole', 'segments'],
  ['segments', 'whole', 'blocks'],
  ['blocks', 'segments', 'whole'],
  ['whole', 'blocks', 'segments']
]

export interface SegmentBenchOptions {
  dir: string
  /** Timed generations per variant. */
  rounds: number
  /** Denoising steps per generation (default 8). */
  steps?: number
  provider: Provider
  tuning?: SessionTuning
  maxSegmentBlocks?: number
  onRound?: (round: number, stepMs: Record<BenchVariant, number>) => void
}

export interface VariantTiming {
  variant: BenchVariant
  /** Median over the rounds of a generation's mean time per step. */
  medianStepMs: number
  meanStepMs: number
  minStepMs: number
  /**
   * Median CPU time per step (all of the process's threads) of the transformer calls: unlike wall
   * time it barely moves when other processes compete for the cores, so on a busy machine it is
   * the steadier comparison (with --threads 1 it is the compute of the step itself).
   */
  medianCpuMs: number
  sessionCallsPerTransformerCall: number
  /** Wall time to compile and create the block sessions a cache-off step uses. */
  setupMs: number
}

export interface SegmentBenchResult {
  model: string
  provider: string
  rounds: number
  steps: number
  separateCfg: boolean
  timings: VariantTiming[]
  /**
   * Median over the rounds of segments / whole − 1 within a round (0.05 = 5 % slower than one
   * graph). Paired by round: the two ran within a fraction of a second of each other, so the
   * machine's drift (10-15 % minute to minute on ours) cancels, which a ratio of medians keeps.
   */
  segmentsOverWhole: number
  /** The same from the CPU times. */
  segmentsOverWholeCpu: number
  /** Largest difference of the latents after the step between variants: they must agree. */
  maxLatentDiff: number
  /**
   * Linux without MALLOC_MMAP_THRESHOLD_: glibc then maps each large allocation (session weights)
   * on its own, and whichever variant's sessions were created first ran ~10 % slower in our runs.
   */
  glibcMallocDefaults: boolean
}

export async function benchSegments(o: SegmentBenchOptions): Promise<SegmentBenchResult> {
  const tuning = o.tuning ?? DEFAULT_TUNING
  const pkg = await loadPackage(o.dir)
  const segments = await LoadedModel.load(pkg, {
    provider: o.provider,
    tuning,
    blockMode: 'segments',
    maxSegmentBlocks: o.maxSegmentBlocks
  })
  const blocks = await LoadedModel.load(pkg, { provider: segments.provider, tuning, blockMode: 'blocks' })
  const merge = pkg.manifest.cache?.mergeBlockLists ?? false
  // The request below takes the manifest's CFG mode and guidance: they decide the calls' batch.
  const batch = cfgCallBatch(pkg.manifest.defaults.separateCfg, pkg.manifest.defaults.guidanceScale)
  const setupMs: Record<BenchVariant, number> = {
    segments: await timed(() => prepareAll(segments, merge, batch)),
    blocks: await timed(() => prepareAll(blocks, merge, batch)),
    whole: 0
  }
  const t0 = performance.now()
  const whole = await wholeTransformerCall(segments, tuning, batch)
  setupMs.whole = performance.now() - t0
  const m = pkg.manifest
  const steps = o.steps ?? 8
  const request = GenerateRequestSchema.parse({
    model: o.dir,
    prompt: m.examples?.[0] ?? '',
    seed: 0,
    steps,
    provider: segments.provider
  })
  const variants: Record<BenchVariant, { model: LoadedModel; call?: TransformerCall }> = {
    segments: { model: segments },
    blocks: { model: blocks },
    whole: { model: segments, call: whole.call }
  }
  const samples: Record<BenchVariant, number[]> = { segments: [], blocks: [], whole: [] }
  const cpuSamples: Record<BenchVariant, number[]> = { segments: [], blocks: [], whole: [] }
  let cpuMs = 0
  // Session calls are counted, not derived: beforeCall runs before each one.
  const counted = { sessionCalls: 0, transformerCalls: 0 }
  const callsPer = {} as Record<BenchVariant, number>
  const cpuTimed =
    (inner: TransformerCall): TransformerCall =>
    async (t, inputs, site) => {
      counted.transformerCalls++
      const beforeCall = () => {
        counted.sessionCalls++
        site.beforeCall()
      }
      const c0 = process.cpuUsage()
      const out = await inner(t, inputs, { ...site, beforeCall })
      const c = process.cpuUsage(c0)
      cpuMs += (c.user + c.system) / 1000
      return out
    }
  const latents: Partial<Record<BenchVariant, Tensor>> = {}
  for (let round = -1; round < o.rounds; round++) {
    const order = ORDERS[(round + ORDERS.length) % ORDERS.length]
    const stepMs = {} as Record<BenchVariant, number>
    const stepCpuMs = {} as Record<BenchVariant, number>
    for (const v of order) {
      cpuMs = 0
      counted.sessionCalls = 0
      counted.transformerCalls = 0
      const result = await runPipeline(variants[v].model, request, {
        createStepCache,
        beforeCall: () => {},
        transformerCall: cpuTimed(variants[v].call ?? callTransformer),
        onDecoded: (latent) => (latents[v] = latent)
      })
      stepMs[v] = result.timings.perStepMs.reduce((a, b) => a + b, 0) / steps
      stepCpuMs[v] = cpuMs / steps
      callsPer[v] = counted.sessionCalls / counted.transformerCalls
    }
    if (round < 0) continue // warm-up: first-run allocations
    for (const v of BENCH_VARIANTS) {
      samples[v].push(stepMs[v])
      cpuSamples[v].push(stepCpuMs[v])
    }
    o.onRound?.(round, stepMs)
  }
  const timings = BENCH_VARIANTS.map((variant) => ({
    variant,
    medianStepMs: median(samples[variant]),
    meanStepMs: samples[variant].reduce((a, b) => a + b, 0) / samples[variant].length,
    minStepMs: Math.min(...samples[variant]),
    medianCpuMs: median(cpuSamples[variant]),
    sessionCallsPerTransformerCall: callsPer[variant],
    setupMs: setupMs[variant]
  }))
  const result: SegmentBenchResult = {
    model: m.id,
    provider: segments.provider,
    rounds: o.rounds,
    steps,
    separateCfg: m.defaults.separateCfg,
    timings,
    segmentsOverWhole: pairedRatio(samples.segments, samples.whole) - 1,
    segmentsOverWholeCpu: pairedRatio(cpuSamples.segments, cpuSamples.whole) - 1,
    maxLatentDiff: Math.max(diff(latents.segments, latents.blocks), diff(latents.segments, latents.whole)),
    glibcMallocDefaults: process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined
  }
  await Promise.all([segments.release(), blocks.release(), whole.release()])
  return result
}

/**
 * One fused graph per transformer, called with the same inputs the embed graph takes; compiled
 * for the call's batch size, as the engine's segments are.
 */
async function wholeTransformerCall(model: LoadedModel, tuning: SessionTuning, batch: number) {
  const sessions = new Map<string, Session>()
  const create = async (t: LoadedTransformer, b: number): Promise<Session> => {
    const m = t.manifest
    const graphs = m.blockLists.flatMap((l) =>
      l.blocks.map((f) => ({ model: model.pkg.graph(f), pattern: l.pattern }))
    )
    const bytes = compileWholeTransformer(
      model.pkg.graph(m.embed.file),
      graphs,
      model.pkg.graph(m.final.file),
      b
    )
    const session = await Session.create(bytes, `${m.name} (whole)`, model.provider, tuning)
    sessions.set(`${m.name}:${b}`, session)
    return session
  }
  for (const t of model.transformers) await create(t, batch)
  const call: TransformerCall = async (t, inputs, site) => {
    const b = inputs.latent.dims[0]
    const session = sessions.get(`${t.manifest.name}:${b}`) ?? (await create(t, b))
    const feeds: Record<string, Tensor> = { latent: inputs.latent, timestep: inputs.timestep }
    for (const name of session.inputNames) if (name in inputs.text) feeds[name] = inputs.text[name]
    site.beforeCall()
    return (await session.run(feeds, ['velocity'])).velocity
  }
  return { call, release: () => Promise.all([...sessions.values()].map((s) => s.release())) }
}

/** Every block range a cache-off step runs, compiled and created now. */
async function prepareAll(model: LoadedModel, merge: boolean, batch: number): Promise<void> {
  for (const t of model.transformers) {
    for (const p of t.contexts(merge)) await p.prepare([[0, p.blockCount]], batch)
  }
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

/** Median of a[i] / b[i]: samples i of both were taken in the same round. */
function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]))
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function diff(a: Tensor | undefined, b: Tensor | undefined): number {
  if (!a || !b) return Number.NaN
  let max = 0
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]))
  return max
}
