import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadQwenImageModel, type QwenImageImportLoader } from '../../main/engine/pipeline/qwen-image/load'
import { replayQwenTransformer } from '../../main/engine/replay/qwen'
import { readQwenTransformerGolden } from '../../main/engine/replay/qwen-golden'
import { loadImportedQwenImage } from '../../main/engine/pipeline/qwen-image/from-import'
import type { CliIO } from '../io'
import { runReplay, type ReplayFlags } from './replay-shared'

export async function replayQwenCommand(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  fromImport: QwenImageImportLoader | null = loadImportedQwenImage
): Promise<number> {
  return runReplay(
    goldenDir,
    values,
    io,
    {
      readGolden: readQwenTransformerGolden,
      load: (dir, options) => loadQwenImageModel(dir, options, fromImport),
      // A transformer-only folder (no model_index.json) or an imported package.
      isModelFolder: (dir) =>
        existsSync(join(dir, 'transformer/config.json')) || existsSync(join(dir, 'model.json')),
      note: (model) => model.note
    },
    async (model, golden) => {
      const results = await replayQwenTransformer(model, golden)
      if (values.json) {
        io.out(JSON.stringify({ calls: results }, null, 2))
        return 0
      }
      for (const r of results)
        io.out(`  ${golden.name}/${r.name}: output max |Δ| ${r.outputMaxAbsDiff.toExponential(2)}`)
      return 0
    }
  )
}
