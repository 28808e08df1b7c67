import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import type { SessionTuning } from '../../model/session'
import type { QwenImageModel } from './model'
import { isQwenImageFolder, loadWholeGraphQwenImage } from './whole-graph'

/**
 * A Qwen-Image model from a folder: an imported package (model.json, its transformer cut into
 * blocks: the importer's family registry passes the loader) or a Qwen-Image ONNX folder
 * (transformer/config.json of QwenImageTransformer2DModel; its transformer run whole).
 */

export interface LoadQwenImageOptions {
  provider: Provider
  tuning?: SessionTuning
}

/** How an imported package becomes a QwenImageModel (set by the importer's family registry). */
export type QwenImageImportLoader = (dir: string, options: LoadQwenImageOptions) => Promise<QwenImageModel>

export async function loadQwenImageModel(
  dir: string,
  options: LoadQwenImageOptions,
  fromImport: QwenImageImportLoader | null = null
): Promise<QwenImageModel> {
  if (existsSync(join(dir, 'model.json'))) {
    if (fromImport === null)
      throw new EngineFailure(
        'bad_request',
        `${dir}: an imported package; this build cannot load imported Qwen-Image packages`
      )
    return fromImport(dir, options)
  }
  if (await isQwenImageFolder(dir)) return loadWholeGraphQwenImage(dir, options)
  throw new EngineFailure(
    'model_not_found',
    `${dir}: neither an imported package (model.json) nor a Qwen-Image ONNX folder (transformer/config.json of QwenImageTransformer2DModel)`
  )
}
