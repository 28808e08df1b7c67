import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createStepCache } from '../../main/engine/cache/index'
import { EngineFailure } from '../../main/engine/errors'
import { resolveModel } from '../../main/engine/model/registry'
import { loadPixArtModel } from '../../main/engine/pipeline/pixart/load'
import { replayPixArt } from '../../main/engine/replay/pixart'
import { readPixArtGolden } from '../../main/engine/replay/pixart-golden'
import { intFlag, providerFlag } from '../flags'
import type { CliIO } from '../io'
import { modelDirs } from '../models'

/**
 * `studio replay` of a PixArt-Σ pipeline golden (replay.ts dispatches here by the golden's
 * family): the same flags and printout as FLUX's, one run, no cache contexts.
 */

export interface ReplayFlags {
  model: string
  json?: boolean
  provider?: string
  threads?: string
  'models-dir'?: string[]
}

export async function replayPixArtCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO
): Promise<number> {
  let golden
  try {
    golden = await readPixArtGolden(goldenDir)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const dir = existsSync(join(resolve(values.model), 'model_index.json'))
    ? resolve(values.model)
    : await resolveModel(values.model, modelDirs(values['models-dir'] ?? []))
  const model = await loadPixArtModel(dir, {
    provider: providerFlag(values.provider),
    tuning: { intraOpThreads }
  })
  try {
    if (!values.json) io.out(`replay ${goldenDir}\n  on ${model.name} (${model.provider})`)
    const result = await replayPixArt(model, golden, { createStepCache })
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
      `  token ids and masks: ${c.tokenIdsMatch ? "the tokenizer gives the golden's" : "DIFFER from the golden's (its ids were used)"}`
    )
    io.out(`  schedule: sigmas max |Δ| ${c.sigmaMaxAbsDiff.toExponential(2)} from diffusers'`)
    return 0
  } finally {
    await model.release()
  }
}
