import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { EngineFailure } from '../../main/engine/errors'
import { resolveModel } from '../../main/engine/model/registry'
import { loadQwenImageModel, type QwenImageImportLoader } from '../../main/engine/pipeline/qwen-image/load'
import { replayQwenTransformer } from '../../main/engine/replay/qwen'
import { readQwenTransformerGolden } from '../../main/engine/replay/qwen-golden'
import { loadImportedQwenImage } from '../../main/engine/pipeline/qwen-image/from-import'
import { intFlag, providerFlag } from '../flags'
import type { CliIO } from '../io'
import { modelDirs } from '../models'
import type { ReplayFlags } from './replay-pixart'

export async function replayQwenCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  fromImport: QwenImageImportLoader | null = loadImportedQwenImage
): Promise<number> {
  let golden
  try {
    golden = await readQwenTransformerGolden(goldenDir)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const given = resolve(values.model)
  const dir =
    existsSync(join(given, 'transformer/config.json')) || existsSync(join(given, 'model.json'))
      ? given
      : await resolveModel(values.model, modelDirs(values['models-dir'] ?? []))
  const model = await loadQwenImageModel(
    dir,
    { provider: providerFlag(values.provider), tuning: { intraOpThreads } },
    fromImport
  )
  try {
    if (!values.json) io.out(`replay ${goldenDir}\n  on ${model.name} (${model.provider}); ${model.note}`)
    const results = await replayQwenTransformer(model, golden)
    if (values.json) {
      io.out(JSON.stringify({ calls: results }, null, 2))
      return 0
    }
    for (const r of results)
      io.out(`  ${golden.name}/${r.name}: output max |Δ| ${r.outputMaxAbsDiff.toExponential(2)}`)
    return 0
  } finally {
    await model.release()
  }
}
