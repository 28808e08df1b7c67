import type { ModelBench, SampleResult, VariantResult } from '../../src/bench/result'
import type { StepSpread } from '../../src/bench/spread'

/** Hand-made bench results for the pure parts (checks, report, chart): no model needed. */

export function sample(over: Partial<SampleResult> = {}): SampleResult {
  return {
    prompt: 'a red circle at the center on a blue background',
    seed: 0,
    blocksRun: 600,
    blocksTotal: 1344,
    cachedCalls: 31,
    psnr: 34.5,
    ssim: 0.97,
    adherence: 1,
    ...over
  }
}

export function variant(over: Partial<VariantResult> = {}): VariantResult {
  return {
    id: 'F8B0',
    label: 'F8B0',
    preset: 'F8B0',
    overrides: {},
    tag: 'DBCache_F8B0_W8I1M0MC0_R0.08_T0O0',
    skipped: null,
    timing: {
      runs: 4,
      medianTotalMs: 300,
      medianDenoiseMs: 280,
      medianStepMs: 10,
      blockShare: 0.8,
      speedup: 1.9,
      denoiseSpeedup: 2,
      medianCpuMs: 500,
      cpuSpeedup: 2.1
    },
    blocksRun: 600,
    blocksTotal: 1344,
    skippedFraction: 1 - 600 / 1344,
    theoreticalSpeedup: 1344 / 600,
    blockTimeTheoreticalSpeedup: 2,
    achievedOverTheoretical: 1.9 / (1344 / 600),
    cpuAchievedOverTheoretical: 2.1 / (1344 / 600),
    psnrPooled: 33.9,
    psnrMean: 34.5,
    psnrMin: 31,
    ssimMean: 0.97,
    adherence: 0.98,
    adherenceDelta: -0.01,
    peakRssBytes: 300 << 20,
    cacheBytes: 24 << 10,
    diffQuantiles: { min: 0.01, p25: 0.03, p50: 0.05, p75: 0.09, p95: 0.2, max: 0.4 },
    stepSpread: steadySpread(),
    experts: [],
    samples: [sample()],
    ...over
  }
}

export function noneVariant(): VariantResult {
  return variant({
    id: 'none',
    label: 'None',
    preset: 'none',
    tag: 'NONE',
    blocksRun: 1344,
    blocksTotal: 1344,
    skippedFraction: 0,
    theoreticalSpeedup: 1,
    achievedOverTheoretical: 1,
    cpuAchievedOverTheoretical: 1,
    psnrPooled: null,
    psnrMean: null,
    psnrMin: null,
    ssimMean: null,
    adherence: 0.99,
    adherenceDelta: 0,
    diffQuantiles: null,
    samples: [sample({ blocksRun: 1344, psnr: null, ssim: null, cachedCalls: 0 })]
  })
}

export function modelBench(variants: VariantResult[] = [noneVariant(), variant()]): ModelBench {
  return {
    model: 'shapes-test',
    name: 'Shapes <test> & co',
    kind: 'image',
    path: '/models/shapes-test',
    embedded: true,
    manifestSha256: '0123456789abcdef',
    steps: 28,
    guidanceScale: 4,
    separateCfg: true,
    blocksPerCall: 24,
    prompts: ['a red circle at the center on a blue background'],
    seeds: [0],
    variants,
    torch: null,
    torchError: null
  }
}

/** A steady run: 4 runs × 28 steps within a few percent of 10 ms. */
export function steadySpread(over: Partial<StepSpread> = {}): StepSpread {
  return {
    runs: 4,
    steps: 112,
    p10Ms: 9.6,
    medianMs: 10,
    p90Ms: 10.5,
    maxMs: 12,
    p90OverP10: 10.5 / 9.6,
    maxOverMedian: 1.2,
    runMedianRatio: 1.04,
    ...over
  }
}
