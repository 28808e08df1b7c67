import { resolve } from 'node:path'
import type { ImportModelParams, ImportModelResult, ImportProgress } from '../../../shared/model-import'
import { importedModelInfo } from '../import/imported-info'
import { importFolder } from '../import/importer'

/**
 * The engine's `importModel` request: the importer run on the user's folder, its progress lines
 * forwarded with the time since the start, and the package it wrote (or gave back, for a folder
 * imported before) answered as the registry lists it. A broken folder rejects with the
 * importer's EngineFailure (one line naming the file); nothing is left in modelsDir then.
 */
export async function importModel(
  params: ImportModelParams,
  onProgress: (event: ImportProgress) => void = () => undefined
): Promise<ImportModelResult> {
  const started = Date.now()
  const result = await importFolder(resolve(params.folder), {
    modelsDir: resolve(params.modelsDir),
    ...(params.name ? { name: params.name } : {}),
    progress: (line) => onProgress({ line: line.slice(0, 2000) || ' ', elapsedMs: Date.now() - started })
  })
  return { model: await importedModelInfo(result.dir), reused: result.reused }
}
