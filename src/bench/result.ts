import { z } from 'zod'
import { CacheOverridesSchema } from '../shared/cache-config'
import { PRESET_IDS } from '../shared/presets'
import { QuantilesSchema } from '../shared/trace'
import { StepSpreadSchema } from './spread'

/**
 * What `studio bench` measures and writes as JSON (docs/bench/bench.json). A schema, not only a
 * type: the CI check reads a committed result back as its baseline, and a file on disk is
 * untrusted input.
 */

/** One (prompt, seed) of one variant: the deterministic figures, comparable across machines. */
export const SampleResultSchema = z.object({
  prompt: z.string(),
  seed: z.number().int(),
  blocksRun: z.number().int(),
  blocksTotal: z.number().int(),
  /** Transformer calls (per context) whose middle blocks were skipped. */
  cachedCalls: z.number().int(),
  /** vs the uncached output of the same prompt and seed; null for `none` itself. */
  psnr: z.number().nullable(),
  ssim: z.number().nullable(),
  /** Prompt adherence 0..1 (null for a prompt outside the caption grammar). */
  adherence: z.number().nullable()
})
export type SampleResult = z.infer<typeof SampleResultSchema>

export const VariantTimingSchema = z.object({
  /** Timed runs (every prompt × seed × repeat). */
  runs: z.number().int(),
  /** Median wall time of a whole generation: prompt encoding, denoising, decoding. */
  medianTotalMs: z.number(),
  medianDenoiseMs: z.number(),
  /** Median over every denoising step of every run. */
  medianStepMs: z.number(),
  /** Median share of the denoising time spent inside the block lists (the rest is overhead). */
  blockShare: z.number(),
  /** Median of t(none) / t(variant) over pairs run back to back; 1 for `none`. */
  speedup: z.number(),
  /** The same, on the denoising loop alone. */
  denoiseSpeedup: z.number(),
  /** Median process CPU time of a generation (all threads). */
  medianCpuMs: z.number(),
  /** Median of cpu(none) / cpu(variant) over the same pairs: robust to a busy machine. */
  cpuSpeedup: z.number()
})

/**
 * One transformer ("expert") of a variant (experts.ts): Wan 2.2's two experts each keep their own
 * cache context, so blocks skipped and speedup are told apart per transformer.
 */
export const ExpertResultSchema = z.object({
  transformer: z.string(),
  /** Summed over the sample runs (the first repeat of each prompt and seed), as blocksRun is. */
  steps: z.number().int(),
  /** Cache decisions (one per call and block list), and how many skipped the middle blocks. */
  decisions: z.number().int(),
  cachedDecisions: z.number().int(),
  blocksRun: z.number().int(),
  blocksTotal: z.number().int(),
  skippedFraction: z.number(),
  theoreticalSpeedup: z.number(),
  /** Median over the timed runs of the wall time of this transformer's denoising steps. */
  medianMs: z.number().nullable(),
  /** Median of t(none) / t(variant) of that time over the timed pairs; null when never called. */
  speedup: z.number().nullable()
})
export type ExpertResult = z.infer<typeof ExpertResultSchema>

export const VariantResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  preset: z.enum(PRESET_IDS),
  overrides: CacheOverridesSchema,
  /** CacheDiT's tag of the resolved config, e.g. DBCache_F8B0_W8I1M0MC0_R0.08_T0O0. */
  tag: z.string(),
  /** Why the variant could not run on this model (Fn + Bn over its blocks), or null. */
  skipped: z.string().nullable(),
  timing: VariantTimingSchema.nullable(),
  blocksRun: z.number().int(),
  blocksTotal: z.number().int(),
  /** 1 − blocksRun / blocksTotal. */
  skippedFraction: z.number(),
  /** blocksTotal / blocksRun: the speedup of the blocks alone, if nothing else took time. */
  theoreticalSpeedup: z.number(),
  /** The same with blocks priced at their measured time (aggregate.ts blockTimeTheoretical). */
  blockTimeTheoreticalSpeedup: z.number().nullable().default(null),
  /** timing.speedup / theoreticalSpeedup. */
  achievedOverTheoretical: z.number().nullable(),
  /** timing.cpuSpeedup / theoreticalSpeedup. */
  cpuAchievedOverTheoretical: z.number().nullable(),
  /** PSNR of all samples pooled (from their mean squared error): the headline fidelity figure. */
  psnrPooled: z.number().nullable(),
  psnrMean: z.number().nullable(),
  psnrMin: z.number().nullable(),
  ssimMean: z.number().nullable(),
  adherence: z.number().nullable(),
  /** adherence − adherence of `none` (negative = worse). */
  adherenceDelta: z.number().nullable(),
  /** Highest process RSS seen during this variant's runs, in bytes. */
  peakRssBytes: z.number(),
  /** Bytes the step cache itself held at the end of a run (residuals, probes, TaylorSeer). */
  cacheBytes: z.number(),
  /** Quantiles of the residual diffs the cache computed (all samples, all contexts). */
  diffQuantiles: QuantilesSchema.nullable(),
  /** Spread of the warm runs' step times (spread.ts); null in reports written before it. */
  stepSpread: StepSpreadSchema.nullable().default(null),
  /** Per transformer, in the model's order; empty in reports written before it. */
  experts: z.array(ExpertResultSchema).default([]),
  samples: z.array(SampleResultSchema)
})
export type VariantResult = z.infer<typeof VariantResultSchema>

/**
 * Ratios PyTorch ms/step ÷ engine ms/step (above 1: the engine is faster), one per interleaved
 * round (each run's median step), over the rounds of one bench run.
 */
export const RoundRatiosSchema = z.object({
  perRound: z.array(z.number()),
  median: z.number(),
  min: z.number(),
  max: z.number()
})
export type RoundRatios = z.infer<typeof RoundRatiosSchema>

export const TorchComparisonSchema = z.object({
  prompt: z.string(),
  seed: z.number().int(),
  torchVersion: z.string(),
  threads: z.number().int(),
  /** Median ms per denoising step, PyTorch eager, by preset ('none', 'F8B0'). */
  torchStepMs: z.record(z.string(), z.number()),
  /**
   * Median ms per step of this engine for the same presets: of its runs in the interleaved rounds
   * (reports written before the rounds: of the preset bench's runs).
   */
  engineStepMs: z.record(z.string(), z.number()),
  /** roundRatios.none.eager.median (before the rounds: torchStepMs.none / engineStepMs.none). */
  engineSpeedupUncached: z.number(),
  /** PyTorch's DBCache: transformer calls cached / all calls, for F8B0. */
  torchCachedCalls: z.record(z.string(), z.tuple([z.number().int(), z.number().int()])),
  /** Uncached, same noise: max |engine − torch| of the final latent and of the decoded image. */
  latentMaxDiff: z.number(),
  imageMaxDiff: z.number().nullable(),
  /** PSNR of the two uncached outputs as RGBA8. */
  imagePsnr: z.number().nullable(),
  /** PyTorch's intra-op threads are `threads`; these are its inter-op pool and the engine's. */
  torchInteropThreads: z.number().int().nullable().default(null),
  engineThreads: z.number().int().nullable().default(null),
  /** The same under torch.compile (null when not run: see compileError). */
  torchCompileStepMs: z.record(z.string(), z.number()).nullable().default(null),
  torchCompileCachedCalls: z
    .record(z.string(), z.tuple([z.number().int(), z.number().int()]))
    .nullable()
    .default(null),
  /** roundRatios.none.compile.median (before the rounds: torchCompileStepMs.none / engineStepMs.none). */
  engineSpeedupCompiled: z.number().nullable().default(null),
  /**
   * Interleaved rounds: per preset, an engine run, an eager run and a compile run back to back, so
   * that the machine's drift from minute to minute falls on all three alike. Null in reports
   * written before them.
   */
  rounds: z.number().int().nullable().default(null),
  /** Per preset: the rounds' ratios vs eager and vs torch.compile (null when not compiled). */
  roundRatios: z
    .record(z.string(), z.object({ eager: RoundRatiosSchema, compile: RoundRatiosSchema.nullable() }))
    .nullable()
    .default(null),
  /** Wall time of the compiling warm-up runs (compileWarmupSteps steps per preset) and of eager's. */
  compileWarmupMs: z.number().nullable().default(null),
  compileWarmupSteps: z.number().int().nullable().default(null),
  eagerWarmupMs: z.number().nullable().default(null),
  compileError: z.string().nullable().default(null),
  /** Uncached: max |eager − compiled| of PyTorch's final latent. */
  compileLatentMaxDiff: z.number().nullable().default(null)
})
export type TorchComparison = z.infer<typeof TorchComparisonSchema>

export const ModelBenchSchema = z.object({
  model: z.string(),
  name: z.string(),
  kind: z.enum(['image', 'video']),
  path: z.string(),
  /**
   * One of the embedded models (tools/train's), whose caption grammar and PyTorch twin the bench
   * knows; false for an imported package. Absent (true) in reports written before imports.
   */
  embedded: z.boolean().default(true),
  /** sha256 of model.json (which holds every file's sha256): pins the exact weights measured. */
  manifestSha256: z.string().default(''),
  steps: z.number().int(),
  guidanceScale: z.number(),
  separateCfg: z.boolean(),
  /** Blocks per transformer call (all lists). */
  blocksPerCall: z.number().int(),
  prompts: z.array(z.string()),
  seeds: z.array(z.number().int()),
  variants: z.array(VariantResultSchema),
  torch: TorchComparisonSchema.nullable(),
  /** Why the PyTorch comparison is missing, when it is. */
  torchError: z.string().nullable()
})
export type ModelBench = z.infer<typeof ModelBenchSchema>

export const BenchReportSchema = z.object({
  format: z.literal('cache-studio-bench/1'),
  createdAt: z.string(),
  engineVersion: z.string(),
  /** The command line that produced this report. */
  command: z.string(),
  machine: z.object({
    cpus: z.number().int(),
    cpuModel: z.string(),
    /** 1-minute load average at the start and the end of the run. */
    loadStart: z.number(),
    loadEnd: z.number(),
    node: z.string(),
    provider: z.string(),
    threads: z.number().int(),
    /** Session lanes of the engine (2: CFG's branches concurrently); absent in older reports. */
    cfgLanes: z.number().int().optional(),
    /** CFG's branches in shared batch-2 session calls; absent in older reports. */
    cfgBatch: z.boolean().optional()
  }),
  repeats: z.number().int(),
  models: z.array(ModelBenchSchema),
  /** Models the run could not bench, and why (the others are still reported). */
  failures: z.array(z.object({ dir: z.string(), error: z.string() })).default([])
})
export type BenchReport = z.infer<typeof BenchReportSchema>
