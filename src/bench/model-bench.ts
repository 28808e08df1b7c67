import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkBlockBudget } from '../shared/cache-config'
import type { Provider } from '../shared/providers'
import { resolveCacheConfig } from '../shared/presets'
import { loadBenchTarget, type BenchTarget } from './bench-target'
import { blockTimeTheoretical, emptyAcc, record, sampleOf, summarize, type Acc } from './aggregate'
import {
  countExpertBlocks,
  emptyExpertAcc,
  recordExpertPair,
  recordExpertTimes,
  summarizeExperts,
  type ExpertAcc
} from './experts'
import { measure, type Measured } from './measure'
import type { ModelBench } from './result'
import { compareWithTorch, TORCH_MODULE, type TorchOptions } from './torch-compare'
import type { BenchVariant } from './variants'

/**
 * The preset bench of one model: every variant on every (prompt, seed), each cached run timed
 * between two uncached ones so that a busy machine slows them alike; speedups are the median
 * over those runs. Fidelity (PSNR, SSIM vs the uncached output, prompt adherence) and
 * block counts are deterministic; times are not, hence the pairs and the medians.
 */

export interface ModelBenchOptions {
  dir: string
  /**
   * The variants, or a choice of them once the model is loaded: `fits` says whether a variant's
   * Fn + Bn fit every block list of the model (variants.ts defaultVariantsFor).
   */
  variants: readonly BenchVariant[] | ((fits: (v: BenchVariant) => boolean) => readonly BenchVariant[])
  prompts: readonly string[]
  seeds: readonly number[]
  /** Timed pairs per (variant, prompt, seed). */
  repeats: number
  steps?: number
  /** Output size and video frames; each model's defaults where absent. */
  width?: number
  height?: number
  frames?: number
  provider: Provider
  /** ONNX Runtime intra-op threads (PyTorch gets the same). */
  threads: number
  /** Session lanes (SessionTuning.cfgLanes): 2 runs CFG's branches concurrently. Default 1. */
  cfgLanes?: 1 | 2
  /** CFG's branches in shared batch-2 session calls (SessionTuning.cfgBatch; one lane). */
  cfgBatch?: boolean
  /** null: no PyTorch comparison. */
  torch: Omit<TorchOptions, 'threads'> | null
  onRun?: (line: string) => void
}

export async function benchModel(o: ModelBenchOptions): Promise<ModelBench> {
  const model = await loadBenchTarget(o.dir, o.provider, {
    intraOpThreads: o.threads,
    cfgLanes: o.cfgLanes ?? 1,
    cfgBatch: o.cfgBatch === true
  })
  try {
    return await benchLoaded(model, o)
  } finally {
    await model.release()
  }
}

async function benchLoaded(model: BenchTarget, o: ModelBenchOptions): Promise<ModelBench> {
  const variantList =
    typeof o.variants === 'function' ? o.variants((v) => whyNotRunnable(model, v) === null) : o.variants
  const none = variantList.find((v) => v.preset === 'none' && Object.keys(v.overrides).length === 0)
  if (!none) throw new Error('the bench needs the `none` variant: speedups and PSNR are measured against it')
  const skipped = new Map(variantList.map((v) => [v.id, whyNotRunnable(model, v)]))
  const runnable = variantList.filter((v) => skipped.get(v.id) === null)
  const acc = new Map<string, Acc>(runnable.map((v) => [v.id, emptyAcc()]))
  const experts = new Map<string, ExpertAcc>(runnable.map((v) => [v.id, emptyExpertAcc()]))
  const expertsOf = (v: BenchVariant) => experts.get(v.id) as ExpertAcc
  const log = o.onRun ?? (() => {})

  // Warm-up: each variant compiles its block ranges and touches its buffers once, untimed.
  const size = { width: o.width, height: o.height, frames: o.frames }
  for (const v of runnable)
    await measure(model, v, { prompt: o.prompts[0], seed: o.seeds[0], steps: o.steps, ...size })

  let reference0: Measured | null = null
  for (const prompt of o.prompts) {
    for (const seed of o.seeds) {
      const input = { prompt, seed, steps: o.steps, ...size }
      const reference = await measure(model, none, input)
      reference0 ??= reference
      record(acc.get(none.id) as Acc, reference)
      ;(acc.get(none.id) as Acc).samples.push(sampleOf(prompt, seed, reference, null))
      recordExpertTimes(expertsOf(none), reference.experts)
      countExpertBlocks(expertsOf(none), reference.experts)
      // none, A, none, B, none …: each cached run sits between two uncached ones, and its speedup
      // is against their mean, so load that drifts during the run cancels out.
      let before = reference
      for (let r = 0; r < o.repeats; r++) {
        for (const v of runnable) {
          if (v === none) continue
          const run = await measure(model, v, input)
          const after = await measure(model, none, input)
          record(acc.get(none.id) as Acc, after)
          recordExpertTimes(expertsOf(none), after.experts)
          const a = acc.get(v.id) as Acc
          record(a, run)
          recordExpertTimes(expertsOf(v), run.experts)
          recordExpertPair(expertsOf(v), before.experts, run.experts, after.experts)
          const base = (x: Measured, key: 'totalMs' | 'denoiseMs') =>
            (x.result.timings[key] + after.result.timings[key]) / 2
          const ratio = base(before, 'totalMs') / run.result.timings.totalMs
          a.pairTotal.push(ratio)
          a.pairDenoise.push(base(before, 'denoiseMs') / run.result.timings.denoiseMs)
          a.pairCpu.push((before.cpuMs + after.cpuMs) / 2 / run.cpuMs)
          before = after
          if (r === 0) {
            a.samples.push(sampleOf(prompt, seed, run, reference))
            a.distances.push(...run.distances)
            countExpertBlocks(expertsOf(v), run.experts)
          }
          log(`${model.id} ${v.id} "${prompt}" seed ${seed}: ${ratio.toFixed(2)}×`)
        }
      }
    }
  }

  const variants = variantList.map((v) =>
    summarize(
      v,
      skipped.get(v.id) ?? null,
      acc.get(v.id) ?? null,
      summarizeExperts(experts.get(v.id) ?? null, v === none)
    )
  )
  // The adherence evaluator reads the embedded models' caption grammar into their pixels; on any
  // other model its score would be a number about nothing.
  if (!model.embedded) for (const v of variants) v.adherence = null
  const noneResult = variants.find((v) => v.id === none.id)
  const noneAcc = acc.get(none.id)
  for (const v of variants) {
    if (v.adherence !== null && noneResult?.adherence != null)
      v.adherenceDelta = v.adherence - noneResult.adherence
    const a = acc.get(v.id)
    if (a && noneAcc && v.id !== none.id) v.blockTimeTheoreticalSpeedup = blockTimeTheoretical(a, noneAcc)
  }

  let torch: ModelBench['torch'] = null
  let torchError: string | null = null
  if (o.torch && reference0 && !model.embedded) {
    torchError =
      'an imported package has no PyTorch twin here (tools/train rebuilds only the embedded models it made)'
  } else if (o.torch && reference0) {
    // PyTorch's side has none and a plain DBCache with F8B0's settings.
    const twins = runnable.filter((v) => v === none || (v.id === 'F8B0' && v.preset === 'F8B0'))
    const input = { prompt: o.prompts[0], seed: o.seeds[0], steps: o.steps, ...size }
    log(`${model.id}: PyTorch reference (${o.torch.python} -m ${TORCH_MODULE}), interleaved rounds…`)
    try {
      torch = await compareWithTorch({
        ...o.torch,
        // The same cores in all: with two session lanes the engine runs 2 × threads.
        threads: o.threads * (o.cfgLanes ?? 1),
        dir: model.dir,
        prompt: input.prompt,
        seed: input.seed,
        steps: reference0.result.recipe.steps,
        engine: reference0,
        presets: twins.map((v) => v.id),
        engineRun: (id) => measure(model, twins.find((v) => v.id === id) as BenchVariant, input),
        video: model.kind === 'video',
        onRun: (line) => log(`${model.id}: ${line}`)
      })
    } catch (e) {
      torchError = (e as Error).message
    }
  }

  const t0 = model.transformers[0]
  return {
    model: model.id,
    name: model.name,
    kind: model.kind,
    path: model.dir,
    embedded: model.embedded,
    manifestSha256: createHash('sha256')
      .update(await readFile(join(model.dir, 'model.json')))
      .digest('hex'),
    steps: reference0?.result.recipe.steps ?? o.steps ?? model.defaults.steps,
    guidanceScale: model.defaults.guidanceScale,
    separateCfg: model.defaults.separateCfg,
    blocksPerCall: t0.manifest.blockLists.reduce((n, l) => n + l.blocks.length, 0),
    prompts: [...o.prompts],
    seeds: [...o.seeds],
    variants,
    torch,
    torchError
  }
}

/** Null when every cache context of every transformer has room for the variant's Fn + Bn. */
function whyNotRunnable(model: BenchTarget, v: BenchVariant): string | null {
  const config = resolveCacheConfig(v.preset, v.overrides)
  const merge = config.mergeBlockLists ?? model.mergeBlockLists
  for (const t of model.transformers) {
    for (const p of t.contexts(merge)) {
      const problem = checkBlockBudget(config, p.blockCount, `${t.manifest.name}/${p.name}`, p.crossReads)
      if (problem) return problem
    }
  }
  return null
}
