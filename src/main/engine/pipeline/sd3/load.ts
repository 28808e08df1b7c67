import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import type { SessionTuning } from '../../model/session'
import type { Sd3Model } from './model'
import { loadWholeGraphSd3 } from './whole-graph'

/**
 * An SD3 model from a folder: an imported package (model.json, its transformer cut into blocks:
 * the importer's family registry passes the loader) or a plain ONNX StableDiffusion3Pipeline
 * folder (model_index.json, its transformer run whole).
 */

export interface LoadSd3Options {
  provider: Provider
  tuning?: SessionTuning
}

/** How an imported package becomes an Sd3Model (set by the importer's family registry). */
export type Sd3ImportLoader = (dir: string, options: LoadSd3Options) => Promise<Sd3Model>

export async function loadSd3Model(
  dir: string,
  options: LoadSd3Options,
  fromImport: Sd3ImportLoader | null = null
): Promise<Sd3Model> {
  if (existsSync(join(dir, 'model.json'))) {
    if (fromImport === null)
      throw new EngineFailure(
        'bad_request',
        `${dir}: an imported package; this build cannot load imported SD3 packages`
      )
    return fromImport(dir, options)
  }
  if (existsSync(join(dir, 'model_index.json'))) return loadWholeGraphSd3(dir, options)
  throw new EngineFailure(
    'model_not_found',
    `${dir}: neither an imported package (model.json) nor an ONNX diffusers folder (model_index.json)`
  )
}
