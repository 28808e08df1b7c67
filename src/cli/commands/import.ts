import { importFolder } from '../../main/engine/import/importer'
import { commandFlags } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { importedModelsDir } from '../models'

/** `studio import FOLDER`: an ONNX diffusers folder (optimum-onnx layout) becomes a model package. */

export const IMPORT_USAGE = `Usage: studio import FOLDER [--name NAME] [--models-dir DIR]
  FOLDER        an ONNX diffusers folder (model_index.json, transformer/, text_encoder*/, vae_decoder/,
                tokenizer*/, scheduler/), e.g. from optimum-cli export onnx
  --name NAME   the model's name (default: the folder's name); its id is made from it
  --models-dir DIR  where the package is written (default: $CACHE_STUDIO_MODELS or ~/.cache-studio/models);
                the folder generate, replay, inspect and bench read with the same flag
No weight is copied: the package's cut transformer graphs point into FOLDER, which must stay.`

const OPTIONS = {
  name: { type: 'string' },
  'models-dir': { type: 'string' },
  // The flag's first name, kept so scripts written for it still work.
  models: { type: 'string' }
} as const

export async function importCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, IMPORT_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length !== 1) throw new UsageError(`expected one FOLDER, got ${positionals.length}`)
  if (values['models-dir'] !== undefined && values.models !== undefined)
    throw new UsageError('give --models-dir once (--models is its old name)')
  const modelsDir = values['models-dir'] ?? values.models ?? importedModelsDir()
  // Inline, not on the engine's import thread (app-import/import-on-thread.ts): this process has no
  // message loop that must keep answering while the graph is cut.
  const r = await importFolder(positionals[0], {
    modelsDir,
    name: values.name,
    progress: (line) => io.err(line)
  })
  io.out(`${r.reused ? 'already imported' : 'imported'}: ${r.id} (${r.dir})`)
  io.out(`generate with: npm run studio -- generate --model ${r.id} --models-dir ${modelsDir} --prompt "..."`)
  return 0
}
