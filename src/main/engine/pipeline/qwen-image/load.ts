import { familyFolderLoader, type FamilyLoadOptions, type FolderLoader } from '../family-folder'
import type { QwenImageModel } from './model'
import { isQwenImageFolder, loadWholeGraphQwenImage } from './whole-graph'

/**
 * A Qwen-Image model from a folder: an imported package (model.json, its transformer cut into
 * blocks: the importer's family registry passes the loader) or a Qwen-Image ONNX folder
 * (transformer/config.json of QwenImageTransformer2DModel; its transformer run whole).
 */

export type LoadQwenImageOptions = FamilyLoadOptions

/** How an imported package becomes a QwenImageModel (set by the importer's family registry). */
export type QwenImageImportLoader = FolderLoader<QwenImageModel>

export const loadQwenImageModel = familyFolderLoader('this build cannot load imported Qwen-Image packages', {
  is: isQwenImageFolder,
  what: 'a Qwen-Image ONNX folder (transformer/config.json of QwenImageTransformer2DModel)',
  load: loadWholeGraphQwenImage
})
