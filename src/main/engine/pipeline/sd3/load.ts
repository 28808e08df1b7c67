import {
  diffusersFolder,
  loadFamilyFolder,
  type FamilyLoadOptions,
  type FolderLoader
} from '../family-folder'
import type { Sd3Model } from './model'
import { loadWholeGraphSd3 } from './whole-graph'

/**
 * An SD3 model from a folder: an imported package (model.json, its transformer cut into blocks:
 * the importer's family registry passes the loader) or a plain ONNX StableDiffusion3Pipeline
 * folder (model_index.json, its transformer run whole).
 */

export type LoadSd3Options = FamilyLoadOptions

/** How an imported package becomes an Sd3Model (set by the importer's family registry). */
export type Sd3ImportLoader = FolderLoader<Sd3Model>

export function loadSd3Model(
  dir: string,
  options: LoadSd3Options,
  fromImport: Sd3ImportLoader | null = null
): Promise<Sd3Model> {
  return loadFamilyFolder(
    dir,
    options,
    fromImport ?? 'this build cannot load imported SD3 packages',
    diffusersFolder(loadWholeGraphSd3)
  )
}
