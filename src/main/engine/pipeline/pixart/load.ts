import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { EngineFailure } from '../../errors'
import { loadImportedPixArt } from './from-import'
import type { LoadPixArtOptions, PixArtModel } from './model'
import { loadWholeGraphPixArt } from './whole-graph'

/**
 * A PixArt-Σ model from a folder: an imported package (model.json, its transformer cut into
 * blocks: pixart/from-import.ts) or a plain ONNX PixArtSigmaPipeline folder (model_index.json,
 * its transformer run whole).
 */

export async function loadPixArtModel(dir: string, options: LoadPixArtOptions): Promise<PixArtModel> {
  if (existsSync(join(dir, 'model.json'))) return loadImportedPixArt(dir, options)
  if (existsSync(join(dir, 'model_index.json'))) return loadWholeGraphPixArt(dir, options)
  throw new EngineFailure(
    'model_not_found',
    `${dir}: neither an imported package (model.json) nor an ONNX diffusers folder (model_index.json)`
  )
}
