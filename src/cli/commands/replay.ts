import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createStepCache } from '../../main/engine/cache/index'
import { EngineFailure } from '../../main/engine/errors'
import { loadFluxModel } from '../../main/engine/pipeline/flux/load'
import { readGolden, readGoldenKind, type ReferenceContext } from '../../main/engine/replay/golden'
import { isQwenTransformerManifest } from '../../main/engine/replay/qwen-golden'
import { replayFlux, type ReplayContext, type ReplayRun } from '../../main/engine/replay/replay'
import { resolveModel } from '../../main/engine/model/registry'
import { intFlag, parseFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs } from '../models'
import { replayPixArtCommand } from './replay-pixart'
import { replayWanCommand } from './replay-wan'
import { replaySd3Command } from './replay-sd3'
import { replayQwenCommand } from './replay-qwen'

/** `studio replay GOLDEN_DIR --model MODEL`: a diffusers/CacheDiT golden through the engine, compared. */

export const REPLAY_USAGE = `Usage: studio replay GOLDEN_DIR --model MODEL [--json]
  GOLDEN_DIR     a golden folder (manifest.json + .npy), e.g. flux-tiny/golden/pipeline_4steps
  --model MODEL  an imported model id or package folder; an ONNX diffusers folder runs its
                 transformer as one graph (no cache: cached runs are refused)
  --json         print {"runs": [{name, latentMaxAbsDiff, imageMaxAbsDiff, contexts, reference}]}
  --provider P   auto|cpu|cuda|dml|coreml (default: auto)
  --threads N    ONNX Runtime intra-op threads per session (default: ORT's choice)
  --models-dir DIR   also look for models here (repeatable)
Every run of the golden starts from its own inputs (token ids, initial latents, steps, guidance,
CacheDiT config); it prints the max |Δ| of the final latents (and image) against the golden and,
per cache context, the cached steps and residual diffs beside CacheDiT's. Exit 1 when a run's
cached steps differ from CacheDiT's.`

const OPTIONS = {
  model: { type: 'string' },
  json: { type: 'boolean' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' }
} as const

export async function replayCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, OPTIONS)
  if (values.help) {
    io.out(REPLAY_USAGE)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('one GOLDEN_DIR, please (studio replay --help)')
  if (values.model === undefined) throw new UsageError('--model MODEL is required')
  const goldenDir = resolve(positionals[0])
  if (!existsSync(join(goldenDir, 'manifest.json')))
    throw new UsageError(`${goldenDir}: not a golden folder (no manifest.json)`)
  const kind = await readGoldenKind(goldenDir)
  const flags = { ...values, model: values.model }
  if (kind?.family === 'pixart-sigma') return replayPixArtCommand(goldenDir, flags, io)
  if (kind?.family === 'wan') return replayWanCommand(goldenDir, flags, io)
  if (kind?.family === 'sd3') return replaySd3Command(goldenDir, flags, io)
  if (kind && isQwenTransformerManifest(kind.keys)) return replayQwenCommand(goldenDir, flags, io)
  let golden
  try {
    golden = await readGolden(goldenDir)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const dir = existsSync(join(resolve(values.model), 'model_index.json'))
    ? resolve(values.model)
    : await resolveModel(values.model, modelDirs(values['models-dir'] ?? []))
  const model = await loadFluxModel(dir, {
    provider: providerFlag(values.provider),
    tuning: { intraOpThreads }
  })
  try {
    if (!values.json) io.out(`replay ${goldenDir}\n  on ${model.name} (${model.provider})`)
    const result = await replayFlux(model, golden, {
      createStepCache,
      onRun: values.json ? undefined : (run) => printRun(run, io)
    })
    if (values.json) {
      io.out(JSON.stringify({ runs: result.runs }, null, 2))
    } else {
      const c = result.checks
      if (c.tokenIdsMatch !== null)
        io.out(
          `  token ids: ${c.tokenIdsMatch ? "the tokenizers give the golden's" : "DIFFER from the golden's (its ids were used)"}`
        )
      io.out(`  schedule: sigmas max |Δ| ${c.sigmaMaxAbsDiff.toExponential(2)} from diffusers'`)
    }
    return result.runs.every(sameCachedSteps) ? 0 : 1
  } finally {
    await model.release()
  }
}

function sameCachedSteps(run: ReplayRun): boolean {
  if (run.reference.contexts.length === 0) return true
  return run.reference.contexts.every((ref) => {
    const own = matching(run.contexts, ref)
    return own !== null && own.cachedSteps.join() === ref.cachedSteps.join()
  })
}

/** The engine's context of a CacheDiT one: same branch (the FLUX adapter has one context). */
function matching(contexts: readonly ReplayContext[], ref: ReferenceContext): ReplayContext | null {
  return contexts.find((c) => c.branch === ref.branch) ?? null
}

function printRun(run: ReplayRun, io: CliIO): void {
  const image = run.imageMaxAbsDiff === null ? '' : `, image ${run.imageMaxAbsDiff.toExponential(2)}`
  io.out(`  ${run.name}: final latents max |Δ| ${run.latentMaxAbsDiff.toExponential(2)}${image}`)
  for (const ref of run.reference.contexts) {
    const own = matching(run.contexts, ref)
    const ownSteps = own ? `[${own.cachedSteps.join(', ')}]` : '(no context)'
    const same = own !== null && own.cachedSteps.join() === ref.cachedSteps.join()
    io.out(
      `    ${own?.transformer ?? ref.transformer}/${ref.branch}: cached steps ${ownSteps}, CacheDiT [${ref.cachedSteps.join(', ')}] ${same ? 'same' : 'DIFFER'}`
    )
    const steps = [...new Set([...Object.keys(ref.residualDiffs), ...Object.keys(own?.residualDiffs ?? {})])]
    steps.sort((a, b) => Number(a) - Number(b))
    io.out('      step  residual diff  CacheDiT')
    for (const s of steps) {
      const mine = own?.residualDiffs[s]
      const theirs = ref.residualDiffs[s]
      io.out(`      ${s.padStart(4)}  ${fmt(mine).padStart(13)}  ${fmt(theirs)}`)
    }
  }
}

function fmt(v: number | undefined): string {
  return v === undefined ? '—' : v.toFixed(6)
}
