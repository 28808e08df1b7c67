import type { ModelBench, RoundRatios } from '../result'
import { fx, times } from './format'

/**
 * The PyTorch comparison as the reports show it: docs/bench/README.md's table, and one summary
 * line for README.md's Benchmarks block and the terminal. With interleaved rounds (torch-compare.ts)
 * the ratios are the median and the range of the rounds' own ratios; a report written before the
 * rounds shows the ratio of the two sides' medians, as it did then.
 */

type Torch = NonNullable<ModelBench['torch']>

/** `1.77× (1.70–1.85)`: the rounds' median ratio and its range. */
export function ratioRange(r: RoundRatios | null | undefined): string {
  return r ? `${times(r.median)} (${fx(r.min)}–${fx(r.max)})` : '—'
}

function roundsSentence(t: Torch): string[] {
  if (t.rounds === null) return []
  return [
    `Interleaved: ${t.rounds} rounds, each an engine run, a PyTorch eager run` +
      (t.torchCompileStepMs ? ' and a torch.compile run' : '') +
      ' back to back per preset, each side in one process warmed up once beforehand (untimed).',
    '*ms/step* are medians over all the steps of those runs; *engine vs …* is the median of the',
    "rounds' ratios (the PyTorch run's median step ÷ the engine run's, above 1: the engine is faster)",
    'and, in brackets, their lowest and highest.',
    ''
  ]
}

/** The PyTorch table: eager and, when it ran, torch.compile, with both sides' thread counts. */
export function torchLines(t: Torch): string[] {
  const c = t.torchCompileStepMs
  const interop = t.torchInteropThreads === null ? '' : `, ${t.torchInteropThreads} inter-op`
  const lines = [
    `PyTorch (torch ${t.torchVersion}, ${t.threads} intra-op threads${interop}; the engine: ONNX Runtime, ` +
      `${t.engineThreads ?? t.threads} intra-op threads) running \`tools/train/torch_reference.py\` on the same`,
    `weights, prompt "${t.prompt}", seed ${t.seed}, the engine's initial noise, same steps and CFG mode` +
      (c ? ', eager and under torch.compile:' : ', eager:'),
    ''
  ]
  if (!c && t.compileError) lines.push(`torch.compile: not measured (${t.compileError}).`, '')
  lines.push(...roundsSentence(t))
  const rounds = t.roundRatios
  const of = rounds ? `, median of ${t.rounds} rounds (min–max)` : ''
  if (c) {
    lines.push(
      `| preset | engine ms/step | PyTorch eager ms/step | torch.compile ms/step | engine vs eager${of} | engine vs torch.compile${of} |`,
      '| --- | ---: | ---: | ---: | ---: | ---: |'
    )
  } else {
    lines.push(
      `| preset | engine ms/step | PyTorch ms/step | engine speedup${of} |`,
      '| --- | ---: | ---: | ---: |'
    )
  }
  for (const p of Object.keys(t.torchStepMs)) {
    const e = t.engineStepMs[p]
    const eager = `| ${p} | ${fx(e)} | ${fx(t.torchStepMs[p])} |`
    const vsEager = rounds ? ratioRange(rounds[p]?.eager) : times(t.torchStepMs[p] / e)
    const vsCompile = rounds ? ratioRange(rounds[p]?.compile) : times(c?.[p] === undefined ? null : c[p] / e)
    lines.push(c ? `${eager} ${fx(c[p])} | ${vsEager} | ${vsCompile} |` : `${eager} ${vsEager} |`)
  }
  return lines
}

/**
 * One line: the engine against PyTorch per preset, e.g. `vs PyTorch 2.13.0+cpu (3 interleaved
 * rounds, 1 thread): none 1.85× eager (1.80–1.90), 1.05× torch.compile (1.01–1.09); F8B0 …`.
 */
export function torchSummary(t: Torch): string {
  const rounds = t.roundRatios
  const how = rounds ? `${t.rounds} interleaved rounds` : 'medians of separate runs'
  const parts = Object.keys(t.torchStepMs).map((p) => {
    const eager = rounds ? ratioRange(rounds[p]?.eager) : times(t.torchStepMs[p] / t.engineStepMs[p])
    const c = t.torchCompileStepMs
    const compiled = rounds
      ? rounds[p]?.compile
        ? ratioRange(rounds[p]?.compile)
        : null
      : c?.[p] === undefined
        ? null
        : times(c[p] / t.engineStepMs[p])
    return `${p} ${eager} vs eager` + (compiled === null ? '' : `, ${compiled} vs torch.compile`)
  })
  const threads = `${t.threads} PyTorch thread${t.threads === 1 ? '' : 's'}`
  const missing = t.torchCompileStepMs === null && t.compileError ? ` (torch.compile: ${t.compileError})` : ''
  return `Engine per step against PyTorch ${t.torchVersion} (${how}, ${threads}): ${parts.join('; ')}${missing}.`
}
