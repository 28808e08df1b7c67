import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import type { SessionTuning } from '../../model/session'
import type { WanModel } from './model'
import { loadWholeGraphWan } from './whole-graph'

/**
 * A Wan model from a folder: an imported package (model.json, its transformers cut into blocks:
 * wan/from-import.ts) or a plain ONNX WanPipeline folder (model_index.json, its transformers run
 * whole, no cache).
 */

export interface LoadWanOptions {
  provider: Provider
  tuning?: SessionTuning
}

export type WanImportLoader = (dir: string, options: LoadWanOptions) => Promise<WanModel>

export async function loadWanModel(
  dir: string,
  options: LoadWanOptions,
  fromImport: WanImportLoader | null = null
): Promise<WanModel> {
  if (existsSync(join(dir, 'model.json'))) {
    if (fromImport === null)
      throw new EngineFailure(
        'bad_request',
        `${dir}: an imported package; pass the Wan import loader to load it`
      )
    return fromImport(dir, options)
  }
  if (existsSync(join(dir, 'model_index.json'))) return loadWholeGraphWan(dir, options)
  throw new EngineFailure(
    'model_not_found',
    `${dir}: neither an imported package (model.json) nor an ONNX diffusers folder (model_index.json)`
  )
}
