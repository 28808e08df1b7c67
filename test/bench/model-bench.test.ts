import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { benchModel } from '../../src/bench/model-bench'
import { DEFAULT_TORCH } from '../../src/bench/torch-compare'
import type { ModelBench } from '../../src/bench/result'
import { parseVariants } from '../../src/bench/variants'

const FIXTURE = resolve(__dirname, '../fixtures/models/tiny-image')
const PROMPTS = [
  'a red circle at the center on a blue background',
  'a green square at the top left on a white background'
]

describe('benchModel on a fixture', () => {
  it('measures every variant against none: blocks, theoretical speedup, PSNR, memory; skips what does not fit', async () => {
    const b = await benchModel({
      dir: FIXTURE,
      variants: parseVariants('none,F1B0-R1,F8B0,F1B0'),
      prompts: PROMPTS,
      seeds: [0],
      repeats: 1,
      steps: 10,
      provider: 'cpu',
      threads: 1,
      torch: null
    })
    const [none, f1, f8, f1Default] = b.variants
    expect(b.blocksPerCall).toBe(6)
    expect(none.timing?.speedup).toBe(1)
    expect(none.samples.map((s) => s.psnr)).toEqual([null, null])
    expect(none.cacheBytes).toBe(0)
    expect(none.timing?.runs).toBe(2 * 3) // per prompt: the reference, then one after each cached variant

    expect(f1.samples).toHaveLength(2)
    expect(f1.blocksTotal).toBe(2 * 10 * 2 * 6)
    expect(f1.blocksRun).toBe(f1.blocksTotal - 2 * 2 * 2 * 5) // steps 8, 9 × cond/uncond run 1 of 6
    expect(f1.theoreticalSpeedup).toBeCloseTo(f1.blocksTotal / f1.blocksRun, 12)
    expect(f1.psnrPooled).toBeGreaterThan(20)
    expect(f1.psnrPooled).toBeLessThan(99)
    // Pooled PSNR is never above the mean of the samples' dB (Jensen).
    expect(f1.psnrPooled).toBeLessThanOrEqual((f1.psnrMean ?? 0) + 1e-9)
    expect(f1.cacheBytes).toBeGreaterThan(0)
    expect(f1.peakRssBytes).toBeGreaterThan(50 << 20)
    // Threshold ≥ 1 caches without computing a diff; the default threshold computes one per call.
    expect(f1.diffQuantiles).toBeNull()
    expect(f1Default.diffQuantiles?.min).toBeGreaterThanOrEqual(0)
    expect(f1.timing?.speedup).toBeGreaterThan(0)

    expect(f8.skipped).toBe(
      'Fn = 8 exceeds the 6 blocks of transformer/transformer_blocks+single_transformer_blocks'
    )
    expect(f8.timing).toBeNull()
  })

  it.skipIf(!existsSync(DEFAULT_TORCH.python))(
    'the PyTorch original of the same package, fed the same noise, ends on the same latent',
    async () => {
      const b = await benchModel({
        dir: FIXTURE,
        variants: parseVariants('none,F1B0'),
        prompts: PROMPTS.slice(0, 1),
        seeds: [3],
        repeats: 1,
        steps: 4,
        provider: 'cpu',
        threads: 1,
        torch: { ...DEFAULT_TORCH, repeats: 1 }
      })
      expect(b.torchError).toBeNull()
      const t = b.torch
      expect(t?.latentMaxDiff).toBeLessThan(1e-4)
      expect(t?.imagePsnr).toBeGreaterThan(60)
      // F8B0 does not fit the fixture's 6 blocks, so only the uncached run is compared.
      expect(Object.keys(t?.torchStepMs ?? {})).toEqual(['none'])
      expect(t?.engineSpeedupUncached).toBeGreaterThan(0)
      // One interleaved round (repeats 1): one ratio per side, the median is that ratio.
      expect(t?.rounds).toBe(1)
      expect(t?.roundRatios?.none.eager.perRound).toHaveLength(1)
      expect(t?.engineSpeedupUncached).toBe(t?.roundRatios?.none.eager.median)
      expect([t?.threads, t?.engineThreads]).toEqual([1, 1])
      expect(t?.torchInteropThreads).toBeGreaterThanOrEqual(1)
      // The compile column asks for torch.compile: a PyTorch 1.x says why it is missing, and the
      // eager figures above still come.
      if (t?.torchVersion.startsWith('1.')) {
        expect(t.compileError).toBe(`torch ${t.torchVersion} has no torch.compile (PyTorch 2.x has)`)
        expect(t.torchCompileStepMs).toBeNull()
      } else expectCompiled(t)
    },
    120_000
  )

  // Opt-in (torch.compile's warm-up compiles for a minute or more): a Python with PyTorch 2.x.
  const torch2 = process.env.CACHE_STUDIO_TORCH2_PYTHON
  it.skipIf(!torch2)(
    'under torch.compile the same model ends on the same latent, its compiling warm-up timed apart',
    async () => {
      const b = await benchModel({
        dir: FIXTURE,
        variants: parseVariants('none'),
        prompts: PROMPTS.slice(0, 1),
        seeds: [3],
        repeats: 1,
        steps: 4,
        provider: 'cpu',
        threads: 1,
        torch: { ...DEFAULT_TORCH, python: torch2 as string, repeats: 1 }
      })
      expect(b.torchError).toBeNull()
      expectCompiled(b.torch)
    },
    600_000
  )

  function expectCompiled(t: ModelBench['torch']): void {
    expect(t?.compileError).toBeNull()
    expect(Object.keys(t?.torchCompileStepMs ?? {})).toEqual(['none'])
    expect(t?.engineSpeedupCompiled).toBeGreaterThan(0)
    expect(t?.roundRatios?.none.compile?.perRound).toHaveLength(1)
    expect(t?.compileLatentMaxDiff).toBeLessThan(1e-4)
    // The first run compiles: slower than eager's first run of the same steps.
    expect(t?.compileWarmupMs).toBeGreaterThan(t?.eagerWarmupMs ?? Infinity)
  }
})
