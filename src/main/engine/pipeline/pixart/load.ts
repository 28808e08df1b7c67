import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import type { SessionTuning } from '../../model/session'
import type { PixArtModel } from './model'
import { loadWholeGraphPixArt } from './whole-graph'

/**
 * A PixArt-Σ model from a folder: an imported package (model.json, its transformer cut into
 * blocks: pixart/from-import.ts) or a plain ONNX PixArtSigmaPipeline folder (model_index.json,
 * its transformer run whole).
 */

export interface LoadPixArtOptions {
  provider: Provider
  tuning?: SessionTuning
}

/** How an imported package becomes a PixArtModel (set by the importer's family registry). */
export type PixArtImportLoader = (dir: string, options: LoadPixArtOptions) => Promise<PixArtModel>

export async function loadPixArtModel(
  dir: string,
  options: LoadPixArtOptions,
  fromImport: PixArtImportLoader | null = null
): Promise<PixArtModel> {
  if (existsSync(join(dir, 'model.json'))) {
    if (fromImport === null)
      throw new EngineFailure(
        'bad_request',
        `${dir}: an imported package; this build cannot load imported PixArt-Σ packages`
      )
    return fromImport(dir, options)
  }
  if (existsSync(join(dir, 'model_index.json'))) return loadWholeGraphPixArt(dir, options)
  throw new EngineFailure(
    'model_not_found',
    `${dir}: neither an imported package (model.json) nor an ONNX diffusers folder (model_index.json)`
  )
}
