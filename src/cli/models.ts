import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ModelInfo } from '../shared/manifest'
import { listModels, resolveModel, type ModelDirs } from '../main/engine/model/registry'
import { UsageError } from './io'

/** The repo's embedded models (resources/models), plus folders given with --models-dir. */
export const EMBEDDED_MODELS = fileURLToPath(new URL('../../resources/models', import.meta.url))

/**
 * Where `studio import` writes packages unless --models says otherwise ($CACHE_STUDIO_MODELS, else
 * ~/.cache-studio/models); the CLI lists the packages there beside the embedded ones.
 */
export function importedModelsDir(): string {
  return process.env.CACHE_STUDIO_MODELS || join(homedir(), '.cache-studio', 'models')
}

export function modelDirs(extra: readonly string[] = []): ModelDirs {
  return { embedded: [EMBEDDED_MODELS], user: [...extra, importedModelsDir()] }
}

/** The model a command works on: --model (an id or a folder), else the embedded shapes image model. */
export async function pickModel(
  model: string | undefined,
  dirs: ModelDirs,
  kind: ModelInfo['kind'] = 'image'
): Promise<string> {
  if (model !== undefined) return resolveModel(model, dirs)
  const { models } = await listModels(dirs)
  const embedded = models.find((m) => m.embedded && m.kind === kind && m.id.startsWith('shapes-'))
  if (!embedded)
    throw new UsageError(`no embedded ${kind} model in ${EMBEDDED_MODELS}; pass --model ID|FOLDER`)
  return embedded.path
}
