import { diffusersFolder, loadFamilyFolder } from '../family-folder'
import { loadImportedPixArt } from './from-import'
import type { LoadPixArtOptions, PixArtModel } from './model'
import { loadWholeGraphPixArt } from './whole-graph'

/**
 * A PixArt-Σ model from a folder: an imported package (model.json, its transformer cut into
 * blocks: pixart/from-import.ts) or a plain ONNX PixArtSigmaPipeline folder (model_index.json,
 * its transformer run whole).
 */

export function loadPixArtModel(dir: string, options: LoadPixArtOptions): Promise<PixArtModel> {
  return loadFamilyFolder(dir, options, loadImportedPixArt, diffusersFolder(loadWholeGraphPixArt))
}
