import type { CacheConfig } from '../shared/cache-config'
import { GenerateRequestSchema, type GenerationResult } from '../shared/generation'
import type { CacheSummary } from '../shared/trace'
import { createStepCache } from '../main/engine/cache/index'
import type { StepCache } from '../main/engine/cache/seam'
import type { Tensor } from '../main/engine/tensor'
import type { BenchTarget } from './bench-target'
import { expertRuns, type ExpertRun } from './experts'
import { RssSampler } from './rss'
import type { BenchVariant } from './variants'

/** One generation of the bench: the engine's own pipeline, with what the bench needs to see. */

export interface Measured {
  result: GenerationResult
  /**
   * CPU time of the whole process during the run (all threads, ONNX Runtime's included). On a
   * machine shared with other work, wall time includes waiting for a core; CPU time does not.
   */
  cpuMs: number
  summary: CacheSummary
  /** Wall time inside the block lists (the trace's per-context ms, summed). */
  blockMs: number
  peakRssBytes: number
  /** What the step cache held at the end of the run (its buffers live until the next run). */
  cacheBytes: number
  /** Every residual diff the cache computed (its trace's distances). */
  distances: number[]
  /** Per transformer of the model: its steps, decisions, blocks and share of the step time. */
  experts: ExpertRun[]
  latent: Tensor
  image: Tensor
}

export interface MeasureInput {
  prompt: string
  seed: number
  steps?: number
  /** Output size and video frames; the model's defaults where absent. */
  width?: number
  height?: number
  frames?: number
}

export async function measure(model: BenchTarget, v: BenchVariant, input: MeasureInput): Promise<Measured> {
  const request = GenerateRequestSchema.parse({
    model: model.dir,
    prompt: input.prompt,
    seed: input.seed,
    steps: input.steps,
    width: input.width,
    height: input.height,
    frames: input.frames,
    cache: { preset: v.preset, overrides: v.overrides },
    provider: model.provider
  })
  let cache: StepCache | null = null
  let decoded: { latent: Tensor; image: Tensor } | null = null
  const rss = new RssSampler()
  rss.start()
  let result: GenerationResult
  let peakRssBytes = 0
  const cpu0 = process.cpuUsage()
  try {
    result = await model.run(request, {
      createStepCache: (config: CacheConfig) => (cache = createStepCache(config)),
      beforeCall: () => {},
      onProgress: () => rss.sample(),
      onDecoded: (latent, image) => (decoded = { latent, image })
    })
  } finally {
    peakRssBytes = rss.stop()
  }
  const cpu = process.cpuUsage(cpu0)
  const got = decoded as { latent: Tensor; image: Tensor } | null
  if (!got) throw new Error('the pipeline finished without decoding')
  const stepCache = cache as StepCache | null
  return {
    result,
    cpuMs: (cpu.user + cpu.system) / 1000,
    summary: result.summary,
    blockMs: result.trace.reduce((s, t) => s + t.ms, 0),
    peakRssBytes,
    cacheBytes: stepCache?.heldBytes?.() ?? 0,
    distances: result.trace.flatMap((t) => (t.distance === null ? [] : [t.distance])),
    experts: expertRuns(
      result,
      model.transformers.map((t) => t.manifest.name)
    ),
    latent: got.latent,
    image: got.image
  }
}
