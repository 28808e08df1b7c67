import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createStepCache } from '../../main/engine/cache/index'
import { EngineFailure } from '../../main/engine/errors'
import { resolveModel } from '../../main/engine/model/registry'
import { loadImportedFamilyModel } from '../../main/engine/pipeline/families'
import { loadWanModel, type LoadWanOptions, type WanImportLoader } from '../../main/engine/pipeline/wan/load'
import { isWanModel, type WanModel } from '../../main/engine/pipeline/wan/model'
import { type ReferenceContext } from '../../main/engine/replay/golden'
import type { ReplayContext, ReplayRun } from '../../main/engine/replay/replay'
import { readWanGolden } from '../../main/engine/replay/wan-golden'
import { replayWan } from '../../main/engine/replay/wan-replay'
import { intFlag, providerFlag } from '../flags'
import type { CliIO } from '../io'
import { modelDirs } from '../models'
import type { ReplayFlags } from './replay-pixart'

export async function replayWanCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  fromImport: WanImportLoader = loadImportedWan
): Promise<number> {
  let golden
  try {
    golden = await readWanGolden(goldenDir)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const dir = existsSync(join(resolve(values.model), 'model_index.json'))
    ? resolve(values.model)
    : await resolveModel(values.model, modelDirs(values['models-dir'] ?? []))
  const model = await loadWanModel(
    dir,
    { provider: providerFlag(values.provider), tuning: { intraOpThreads } },
    fromImport
  )
  try {
    if (!values.json) io.out(`replay ${goldenDir}\n  on ${model.name} (${model.provider})`)
    const result = await replayWan(model, golden, {
      createStepCache,
      onRun: values.json ? undefined : (run) => printRun(run, io)
    })
    if (values.json) {
      io.out(JSON.stringify({ runs: result.runs, checks: result.checks }, null, 2))
    } else {
      const c = result.checks
      if (c.tokenIdsMatch !== null)
        io.out(
          `  token ids and masks: ${c.tokenIdsMatch ? "the tokenizer gives the golden's" : "DIFFER from the golden's (its ids were used)"}`
        )
      if (c.embedsMaxAbsDiff !== null)
        io.out(`  prompt embeddings: max |Δ| ${c.embedsMaxAbsDiff.toExponential(2)} from diffusers'`)
      io.out(`  schedule: sigmas max |Δ| ${c.sigmaMaxAbsDiff.toExponential(2)} from diffusers'`)
      if (c.expertsMatch !== null)
        io.out(`  experts per step: ${c.expertsMatch ? "the golden's" : "DIFFER from the golden's"}`)
      for (const note of c.notes) io.out(`  note: ${note}`)
    }
    return result.runs.every(sameCachedSteps) ? 0 : 1
  } finally {
    await model.release()
  }
}

/** An imported package of the Wan family, through the family registry (pipeline/families.ts). */
async function loadImportedWan(dir: string, options: LoadWanOptions): Promise<WanModel> {
  const { model } = await loadImportedFamilyModel(dir, options)
  if (!isWanModel(model)) {
    await model.release()
    throw new EngineFailure(
      'bad_request',
      `${dir}: not an imported Wan package; a Wan golden replays on a Wan model`
    )
  }
  return model
}

function matching(contexts: readonly ReplayContext[], ref: ReferenceContext): ReplayContext | null {
  return contexts.find((c) => c.transformer === ref.transformer && c.branch === ref.branch) ?? null
}

function sameCachedSteps(run: ReplayRun): boolean {
  return run.reference.contexts.every((ref) => {
    const own = matching(run.contexts, ref)
    return own !== null && own.cachedSteps.join() === ref.cachedSteps.join()
  })
}

function printRun(run: ReplayRun, io: CliIO): void {
  const frames = run.imageMaxAbsDiff === null ? '' : `, frames ${run.imageMaxAbsDiff.toExponential(2)}`
  io.out(`  ${run.name}: final latents max |Δ| ${run.latentMaxAbsDiff.toExponential(2)}${frames}`)
  for (const ref of run.reference.contexts) {
    const own = matching(run.contexts, ref)
    const ownSteps = own ? `[${own.cachedSteps.join(', ')}]` : '(no context)'
    const same = own !== null && own.cachedSteps.join() === ref.cachedSteps.join()
    io.out(
      `    ${ref.transformer}/${ref.branch}: cached steps ${ownSteps}, CacheDiT [${ref.cachedSteps.join(', ')}] ${same ? 'same' : 'DIFFER'}`
    )
    const steps = [...new Set([...Object.keys(ref.residualDiffs), ...Object.keys(own?.residualDiffs ?? {})])]
    steps.sort((a, b) => Number(a) - Number(b))
    io.out('      step  residual diff  CacheDiT')
    for (const s of steps) {
      const fmt = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(6))
      io.out(
        `      ${s.padStart(4)}  ${fmt(own?.residualDiffs[s]).padStart(13)}  ${fmt(ref.residualDiffs[s])}`
      )
    }
  }
}
