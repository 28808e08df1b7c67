import {
  diffusersFolder,
  familyFolderLoader,
  type FamilyLoadOptions,
  type FolderLoader
} from '../family-folder'
import type { WanModel } from './model'
import { loadWholeGraphWan } from './whole-graph'

/**
 * A Wan model from a folder: an imported package (model.json, its transformers cut into blocks:
 * wan/from-import.ts) or a plain ONNX WanPipeline folder (model_index.json, its transformers run
 * whole, no cache).
 */

export type LoadWanOptions = FamilyLoadOptions

export type WanImportLoader = FolderLoader<WanModel>

export const loadWanModel = familyFolderLoader(
  'pass the Wan import loader to load it',
  diffusersFolder(loadWholeGraphWan)
)
