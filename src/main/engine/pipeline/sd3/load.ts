import {
  diffusersFolder,
  familyFolderLoader,
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

export const loadSd3Model = familyFolderLoader(
  'this build cannot load imported SD3 packages',
  diffusersFolder(loadWholeGraphSd3)
)
