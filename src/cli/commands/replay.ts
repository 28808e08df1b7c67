import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createStepCache } from '../../main/engine/cache/index'
import { loadFluxModel } from '../../main/engine/pipeline/flux/load'
import { readGolden, readGoldenKind } from '../../main/engine/replay/golden'
import { isQwenTransformerManifest } from '../../main/engine/replay/qwen-golden'
import { replayFlux } from '../../main/engine/replay/replay'
import { commandFlags } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { replayPixArtCommand } from './replay-pixart'
import { replayWanCommand } from './replay-wan'
import { replaySd3Command } from './replay-sd3'
import { replayQwenCommand } from './replay-qwen'
import { printChecks, printRun, runReplay, sameCachedSteps, type ContextMatch } from './replay-shared'

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
  'models-dir': { type: 'string', multiple: true }
} as const

export async function replayCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, REPLAY_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
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
  return runReplay(goldenDir, flags, io, { readGolden, load: loadFluxModel }, async (model, golden) => {
    const result = await replayFlux(model, golden, {
      createStepCache,
      onRun: values.json ? undefined : (run) => printRun(run, io, 'image', sameBranch)
    })
    if (values.json) io.out(JSON.stringify({ runs: result.runs }, null, 2))
    else printChecks(io, 'ids of several tokenizers', result.checks)
    return result.runs.every((run) => sameCachedSteps(run, sameBranch)) ? 0 : 1
  })
}

/** The engine's context of a CacheDiT one: same branch (the FLUX adapter has one context). */
const sameBranch: ContextMatch = (own, ref) => own.branch === ref.branch
