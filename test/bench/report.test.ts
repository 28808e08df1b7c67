import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acceptanceChecks } from '../../src/bench/acceptance'
import { markdownReport } from '../../src/bench/report/markdown'
import { README_END, README_START, readmeBlock, updateReadme } from '../../src/bench/report/readme-block'
import { speedupPsnrSvg } from '../../src/bench/report/svg-chart'
import { expertTextTable, textTable } from '../../src/bench/report/table'
import type { BenchReport } from '../../src/bench/result'
import { modelBench, noneVariant, variant } from './synthetic'

function benchReport(over: Partial<BenchReport> = {}): BenchReport {
  return {
    format: 'cache-studio-bench/1',
    createdAt: '2026-11-25T09:00:00Z',
    engineVersion: '0.1.0',
    command: 'npm run bench -- --prompts 8',
    machine: {
      cpus: 2,
      cpuModel: 'Xeon',
      loadStart: 2.5,
      loadEnd: 2.1,
      node: 'v22',
      provider: 'cpu',
      threads: 2
    },
    repeats: 1,
    models: [modelBench()],
    failures: [],
    ...over
  }
}

const sweep = variant({
  id: 'F8B0-R0.2',
  label: 'F8B0 R0.2',
  overrides: { residualDiffThreshold: 0.2 },
  psnrPooled: 28
})

describe('bench report', () => {
  it('the table has one row per variant, a skipped variant says why', () => {
    const b = modelBench([
      noneVariant(),
      variant(),
      variant({ id: 'F1B0', label: 'F1B0', skipped: 'Fn too big' })
    ])
    const lines = textTable(b)
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^preset\s+ms\/output\s+ms\/step\s+speedup wall \(CPU\)/)
    expect(lines[2]).toMatch(
      /^F8B0\s+300\s+10\.00\s+1\.90× \(2\.10×\)\s+55 %\s+2\.24×\s+85 % \(94 %\)\s+33\.9 \(31\.0\)\s+0\.970\s+0\.980 \(-0\.010\)/
    )
    expect(lines[3]).toContain('skipped: Fn too big')
  })

  it('acceptance checks follow the issue: 1.5×, 30 dB, 0.03 adherence, 90 % of theoretical', () => {
    const checks = acceptanceChecks(modelBench())
    expect(checks.map((c) => [c.target, c.ok])).toEqual([
      ['≥ 1.5×', true],
      ['≥ 1.5×', true],
      ['≥ 30 dB', true],
      ['≥ −0.03', true],
      ['≥ 90 %', false], // wall: 1.9 / 2.24 = 85 %
      ['≥ 90 %', true], // CPU: 2.1 / 2.24 = 94 %
      ['≥ 90 %', true] // priced by block time: 1.9 / 2 = 95 %
    ])
    const byTime = acceptanceChecks(
      modelBench([noneVariant(), variant({ blockTimeTheoreticalSpeedup: 2.2 })])
    )
    expect(byTime[6]).toMatchObject({ value: 1.9 / 2.2, ok: false })
  })

  it('the chart is SVG with one achieved and one theoretical marker per cached variant, text escaped', () => {
    const svg = speedupPsnrSvg(modelBench([noneVariant(), variant(), sweep]))
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('Shapes &lt;test&gt; &amp; co')
    expect(svg).not.toContain('<test>')
    // 2 variants × (wall + theoretical) + 2 legend dots + 2 key dots.
    expect(svg.match(/<circle /g)).toHaveLength(8)
    expect(svg.match(/<rect x=/g)).toHaveLength(3) // 2 CPU-time markers + the key's
    // The sweep line joins the two F8B0 points.
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+"/)
  })

  it("rewrites only the README's marked block, and leaves a README without markers alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-readme-'))
    try {
      const path = join(dir, 'README.md')
      writeFileSync(
        path,
        `# Studio\n\n## Benchmarks\n\n${README_START}\nold table\n${README_END}\n\n## After\n`
      )
      expect(await updateReadme(path, readmeBlock(benchReport(), 'docs/bench', 'idle machine'))).toBe(true)
      const text = readFileSync(path, 'utf8')
      expect(text).not.toContain('old table')
      expect(text).toMatch(/^# Studio\n\n## Benchmarks\n\n<!-- bench:start/)
      expect(text).toContain('Made by `npm run bench -- --prompts 8` on 2026-11-25')
      expect(text).toContain('(idle machine)')
      expect(text).toContain('](docs/bench/shapes-test-speedup-psnr.svg)')
      expect(text.endsWith(`${README_END}\n\n## After\n`)).toBe(true)
      writeFileSync(path, '# no markers\n')
      expect(await updateReadme(path, 'x')).toBe(false)
      expect(readFileSync(path, 'utf8')).toBe('# no markers\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the markdown report states the command, the load and links the chart', () => {
    const r = benchReport({ failures: [{ dir: '/m/broken', error: 'model.json: bad' }] })
    const md = markdownReport(r, 'a training run used both cores')
    expect(md).toContain('npm run bench -- --prompts 8')
    expect(md).toContain('**Load:** a training run used both cores')
    expect(md).toContain('load average 2.50 at the start')
    expect(md).toContain('![speedup vs PSNR](shapes-test-speedup-psnr.svg)')
    expect(md).toContain('| F8B0 | 0.010 | 0.030 | 0.050 | 0.090 | 0.200 | 0.400 |')
    expect(md).toContain('Not benched: `/m/broken` (model.json: bad).')
  })

  it("an embedded-only report links the imported packages' one; an imported one says how it was made", () => {
    const link = '[imported/README.md](imported/README.md)'
    expect(markdownReport(benchReport(), null)).toContain(link)
    const imported = { ...modelBench(), embedded: false, torchError: 'no twin' }
    const md = markdownReport(benchReport({ models: [imported] }), null)
    expect(md).not.toContain(link)
    expect(md).toContain('Imported packages are benched by their id after `studio import` made them')
    expect(md).toContain('PyTorch comparison not run: no twin')
  })

  it('the per-transformer table has a row per (preset, expert); a preset that does not fit says why', () => {
    const expert = (transformer: string, blocksRun: number) => ({
      transformer,
      steps: 10,
      decisions: 20,
      cachedDecisions: (120 - blocksRun) / 5,
      blocksRun,
      blocksTotal: 120,
      skippedFraction: 1 - blocksRun / 120,
      theoreticalSpeedup: 120 / blocksRun,
      medianMs: 250,
      speedup: 1.25
    })
    const b = modelBench([
      variant({
        id: 'F1B0',
        label: 'F1B0',
        experts: [expert('transformer', 120), expert('transformer_2', 90)]
      }),
      variant({ id: 'F8B0', label: 'F8B0', skipped: 'Fn = 8 exceeds the 6 blocks of transformer/blocks' })
    ])
    expect(expertTextTable(b).map((l) => l.replace(/ +/g, ' '))).toEqual([
      'preset transformer steps cached calls blocks run / total blocks skipped theoretical ms (its steps) speedup',
      'F1B0 transformer 10 0 / 20 120 / 120 0 % 1.00× 250 1.25×',
      'F1B0 transformer_2 10 6 / 20 90 / 120 25 % 1.33× 250 1.25×',
      'F8B0 does not fit: Fn = 8 exceeds the 6 blocks of transformer/blocks'
    ])
    expect(markdownReport(benchReport({ models: [b] }), null)).toContain(
      '| F1B0 | transformer_2 | 10 | 6 / 20 | 90 / 120 | 25 % | 1.33× | 250 | 1.25× |'
    )
  })
})

describe('bench report: step-time spread', () => {
  it('has one row per variant with the ratios of its warm steps', () => {
    const md = markdownReport(benchReport(), null)
    expect(md).toContain(
      '| preset | runs × steps | P10 ms | median ms | P90 ms | max ms | P90/P10 | max/median | slowest/fastest run median |'
    )
    expect(md).toContain('| None | 4 × 28 | 9.60 | 10.00 | 10.50 | 12.00 | 1.09 | 1.20 | 1.04 |')
  })

  it('leaves the table out for a report written before the spread was measured', () => {
    const none = noneVariant()
    none.stepSpread = null
    const md = markdownReport(benchReport({ models: [modelBench([none])] }), null)
    expect(md).not.toContain('Step-time spread')
  })
})

describe('bench report: PyTorch', () => {
  const torch = (over: Partial<NonNullable<BenchReport['models'][0]['torch']>> = {}) => ({
    prompt: 'a red circle at the center on a blue background',
    seed: 0,
    torchVersion: '2.13.0+cpu',
    threads: 2,
    torchStepMs: { none: 14.3, F8B0: 9.4 },
    engineStepMs: { none: 8.1, F8B0: 4.5 },
    engineSpeedupUncached: 14.3 / 8.1,
    torchCachedCalls: { F8B0: [34, 56] as [number, number] },
    latentMaxDiff: 1e-6,
    imageMaxDiff: 2e-6,
    imagePsnr: 80,
    torchInteropThreads: 2,
    engineThreads: 2,
    torchCompileStepMs: { none: 7.8, F8B0: 5.4 },
    torchCompileCachedCalls: { F8B0: [34, 56] as [number, number] },
    engineSpeedupCompiled: 7.8 / 8.1,
    compileWarmupMs: 152_000,
    compileWarmupSteps: 3,
    eagerWarmupMs: 1260,
    compileError: null,
    compileLatentMaxDiff: 3e-6,
    rounds: null as number | null,
    roundRatios: null as NonNullable<BenchReport['models'][0]['torch']>['roundRatios'],
    ...over
  })
  const md = (t: ReturnType<typeof torch>) =>
    markdownReport(benchReport({ models: [{ ...modelBench(), torch: t }] }), null)

  it('shows eager and torch.compile side by side, with both sides’ threads and the compile time apart', () => {
    const text = md(torch())
    expect(text).toContain(
      'torch 2.13.0+cpu, 2 intra-op threads, 2 inter-op; the engine: ONNX Runtime, 2 intra-op threads'
    )
    expect(text).toContain(
      '| preset | engine ms/step | PyTorch eager ms/step | torch.compile ms/step | engine vs eager | engine vs torch.compile |'
    )
    expect(text).toContain('| none | 8.10 | 14.30 | 7.80 | 1.77× | 0.96× |')
    expect(text).toContain('| F8B0 | 4.50 | 9.40 | 5.40 | 2.09× | 1.20× |')
    expect(text).toContain('took 152.0 s against eager')
    expect(text).toContain('max |Δ| 3.00e-6.')
  })

  const ratios = (perRound: number[]) => ({
    perRound,
    median: [...perRound].sort((a, b) => a - b)[1],
    min: Math.min(...perRound),
    max: Math.max(...perRound)
  })
  const interleaved = {
    rounds: 3,
    roundRatios: {
      none: { eager: ratios([1.7, 1.8, 1.9]), compile: ratios([0.9, 1.02, 0.95]) },
      F8B0: { eager: ratios([2.0, 2.1, 2.3]), compile: ratios([1.1, 1.2, 1.25]) }
    }
  }

  it('with interleaved rounds gives the median of the rounds’ ratios and their range, not the ratio of medians', () => {
    const text = md(torch(interleaved))
    expect(text).toContain(
      'Interleaved: 3 rounds, each an engine run, a PyTorch eager run and a torch.compile run'
    )
    expect(text).toContain(
      '| preset | engine ms/step | PyTorch eager ms/step | torch.compile ms/step | engine vs eager, median of 3 rounds (min–max) | engine vs torch.compile, median of 3 rounds (min–max) |'
    )
    expect(text).toContain('| none | 8.10 | 14.30 | 7.80 | 1.80× (1.70–1.90) | 0.95× (0.90–1.02) |')
    expect(text).toContain('| F8B0 | 4.50 | 9.40 | 5.40 | 2.10× (2.00–2.30) | 1.20× (1.10–1.25) |')
  })

  it('puts the interleaved ratios in one line of the README block', () => {
    const block = readmeBlock(
      benchReport({ models: [{ ...modelBench(), torch: torch(interleaved) }] }),
      'docs/bench',
      null
    )
    expect(block).toContain(
      'Engine per step against PyTorch 2.13.0+cpu (3 interleaved rounds, 2 PyTorch threads): ' +
        'none 1.80× (1.70–1.90) vs eager, 0.95× (0.90–1.02) vs torch.compile; ' +
        'F8B0 2.10× (2.00–2.30) vs eager, 1.20× (1.10–1.25) vs torch.compile.'
    )
  })

  it('an eager-only run with rounds shows the eager ratios and why compile is missing', () => {
    const t = torch({
      torchVersion: '1.13.1',
      torchCompileStepMs: null,
      torchCompileCachedCalls: null,
      engineSpeedupCompiled: null,
      compileWarmupMs: null,
      compileWarmupSteps: null,
      eagerWarmupMs: null,
      compileLatentMaxDiff: null,
      compileError: 'torch 1.13.1 has no torch.compile (PyTorch 2.x has)',
      rounds: 3,
      roundRatios: { none: { eager: ratios([1.7, 1.8, 1.9]), compile: null } }
    })
    t.torchStepMs = { none: 14.3 }
    const text = md(t)
    expect(text).toContain(
      '| preset | engine ms/step | PyTorch ms/step | engine speedup, median of 3 rounds (min–max) |'
    )
    expect(text).toContain('| none | 8.10 | 14.30 | 1.80× (1.70–1.90) |')
    expect(text).not.toContain('and a torch.compile run')
  })

  it('says why the torch.compile column is missing and keeps the eager table', () => {
    const text = md(
      torch({
        torchVersion: '1.13.1',
        torchCompileStepMs: null,
        torchCompileCachedCalls: null,
        engineSpeedupCompiled: null,
        compileWarmupMs: null,
        compileWarmupSteps: null,
        eagerWarmupMs: null,
        compileLatentMaxDiff: null,
        compileError: 'torch 1.13.1 has no torch.compile (PyTorch 2.x has)'
      })
    )
    expect(text).toContain(
      'torch.compile: not measured (torch 1.13.1 has no torch.compile (PyTorch 2.x has)).'
    )
    expect(text).toContain('| none | 8.10 | 14.30 | 1.77× |')
    expect(text).not.toContain('torch.compile ms/step')
  })
})
