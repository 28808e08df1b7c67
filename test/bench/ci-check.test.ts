import { describe, expect, it } from 'vitest'
import { ciCheck, DEFAULT_CI_FLOORS } from '../../src/bench/ci-check'
import type { BenchReport } from '../../src/bench/result'
import { modelBench, noneVariant, sample, variant } from './synthetic'

const failed = (b = modelBench(), baseline: BenchReport | null = null) =>
  ciCheck(b, DEFAULT_CI_FLOORS, baseline).filter((f) => !f.ok)

function report(b = modelBench()): BenchReport {
  return {
    format: 'cache-studio-bench/1',
    createdAt: '2026-01-01T00:00:00Z',
    engineVersion: '0.1.0',
    command: 'npm run bench',
    machine: { cpus: 2, cpuModel: 'x', loadStart: 0, loadEnd: 0, node: 'v22', provider: 'cpu', threads: 2 },
    repeats: 1,
    models: [b],
    failures: []
  }
}

describe('ciCheck', () => {
  it('passes figures over every floor', () => {
    expect(failed()).toEqual([])
  })

  it('fails a PSNR under the floor and names it', () => {
    const f = failed(modelBench([noneVariant(), variant({ psnrPooled: 29.9 })]))
    expect(f.map((x) => x.line)).toEqual([
      'shapes-test F8B0: PSNR 29.90 dB vs uncached, pooled (floor 30 dB)'
    ])
  })

  it('fails when nothing was skipped and the theoretical speedup is 1', () => {
    const f = failed(modelBench([noneVariant(), variant({ blocksRun: 1344, theoreticalSpeedup: 1 })]))
    expect(f.map((x) => x.line)).toEqual([
      'shapes-test F8B0: blocks skipped 0 of 1344 (must be > 0)',
      'shapes-test F8B0: theoretical speedup 1.000× (floor 1.2×)'
    ])
  })

  it('fails an adherence drop over 0.03', () => {
    const f = failed(modelBench([noneVariant(), variant({ adherenceDelta: -0.04 })]))
    expect(f[0].line).toContain('adherence vs uncached -0.040')
  })

  it('fails a checked variant that could not run on the model, saying why', () => {
    const f = failed(modelBench([noneVariant(), variant({ skipped: 'Fn = 8 exceeds the 6 blocks of t/b' })]))
    expect(f.map((x) => x.line)).toEqual([
      'shapes-test F8B0: could not run (Fn = 8 exceeds the 6 blocks of t/b)'
    ])
  })

  it('compares each sample with the baseline run of the same prompt and seed', () => {
    const base = report(modelBench([noneVariant(), variant({ samples: [sample({ blocksRun: 400 })] })]))
    // 1344/600 = 2.24× now vs 1344/400 = 3.36× then: more than 10 % worse.
    const f = failed(modelBench(), base)
    expect(f).toHaveLength(1)
    expect(f[0].line).toMatch(/seed 0: theoretical 2\.240× vs baseline 3\.360×/)
    const sharper = report(modelBench([noneVariant(), variant({ samples: [sample({ psnr: 36 })] })]))
    expect(failed(modelBench(), sharper).map((x) => x.line)).toEqual([
      'shapes-test F8B0: "a red circle at the center on a blue background" seed 0: PSNR 34.50 dB vs baseline 36.00 dB (tolerance 1 dB)'
    ])
    // Another seed in the baseline is not compared.
    expect(
      failed(
        modelBench(),
        report(modelBench([noneVariant(), variant({ samples: [sample({ seed: 7, blocksRun: 400 })] })]))
      )
    ).toEqual([])
  })
})
