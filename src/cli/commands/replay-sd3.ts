import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createStepCache } from '../../main/engine/cache/index'
import { EngineFailure } from '../../main/engine/errors'
import { resolveModel } from '../../main/engine/model/registry'
import { loadSd3Model, type Sd3ImportLoader } from '../../main/engine/pipeline/sd3/load'
import { replaySd3 } from '../../main/engine/replay/sd3'
import { readSd3Golden } from '../../main/engine/replay/sd3-golden'
import { loadImportedSd3 } from '../../main/engine/pipeline/sd3/from-import'
import { intFlag, providerFlag } from '../flags'
import type { CliIO } from '../io'
import { modelDirs } from '../models'
import type { ReplayFlags } from './replay-pixart'

/**
 * `studio replay` of an SD3 pipeline golden (replay.ts dispatches here by the golden's family):
 * the same flags and printout as FLUX's, one run, no cache contexts, plus the prompt embeddings'
 * distance from diffusers'.
 */

export async function replaySd3Command(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  fromImport: Sd3ImportLoader | null = loadImportedSd3
): Promise<number> {
  let golden
  try {
    golden = await readSd3Golden(goldenDir)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const dir = existsSync(join(resolve(values.model), 'model_index.json'))
    ? resolve(values.model)
    : await resolveModel(values.model, modelDirs(values['models-dir'] ?? []))
  const model = await loadSd3Model(
    dir,
    { provider: providerFlag(values.provider), tuning: { intraOpThreads } },
    fromImport
  )
  try {
    if (!values.json) io.out(`replay ${goldenDir}\n  on ${model.name} (${model.provider})`)
    const result = await replaySd3(model, golden, { createStepCache })
    if (values.json) {
      io.out(JSON.stringify({ runs: result.runs }, null, 2))
      return 0
    }
    for (const run of result.runs) {
      const image = run.imageMaxAbsDiff === null ? '' : `, image ${run.imageMaxAbsDiff.toExponential(2)}`
      io.out(`  ${run.name}: final latents max |Δ| ${run.latentMaxAbsDiff.toExponential(2)}${image}`)
    }
    const c = result.checks
    io.out(
      `  token ids: ${c.tokenIdsMatch ? "the tokenizers give the golden's" : "DIFFER from the golden's (its ids were used)"}`
    )
    io.out(`  prompt embeddings: max |Δ| ${c.embedsMaxAbsDiff.toExponential(2)} from diffusers'`)
    io.out(`  schedule: sigmas max |Δ| ${c.sigmaMaxAbsDiff.toExponential(2)} from diffusers'`)
    return 0
  } finally {
    await model.release()
  }
}
