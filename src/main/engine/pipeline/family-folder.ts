import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../shared/providers'
import { EngineFailure } from '../errors'
import type { SessionTuning } from '../model/session'

/**
 * How every family's load.ts tells the folders it loads apart: an imported package (model.json,
 * its transformer cut into blocks) or the family's own ONNX export folder (its transformer run
 * whole, no cache); anything else is not a model.
 */

/** How a family model is loaded: the execution provider asked for and the sessions' tuning. */
export interface FamilyLoadOptions {
  provider: Provider
  tuning?: SessionTuning
}

/** A folder of one kind into a family's model (the importer's family registry passes the imported one). */
export type FolderLoader<Model> = (dir: string, options: FamilyLoadOptions) => Promise<Model>

/** How to recognise and load a family's own ONNX export folder. */
export interface ExportFolder<Model> {
  /** Whether `dir` is one. */
  is(dir: string): boolean | Promise<boolean>
  /** What it is, for the refusal of a folder that is neither (e.g. "an ONNX diffusers folder (model_index.json)"). */
  what: string
  load: FolderLoader<Model>
}

/** A diffusers pipeline folder exported to ONNX: its model_index.json says so. */
export function diffusersFolder<Model>(load: FolderLoader<Model>): ExportFolder<Model> {
  return {
    is: (dir) => existsSync(join(dir, 'model_index.json')),
    what: 'an ONNX diffusers folder (model_index.json)',
    load
  }
}

/**
 * The family model in `dir`: with `imported` the package's loader, or the refusal where this
 * build loads none (a string, after "an imported package; ").
 */
export async function loadFamilyFolder<Model>(
  dir: string,
  options: FamilyLoadOptions,
  imported: FolderLoader<Model> | string,
  folder: ExportFolder<Model>
): Promise<Model> {
  if (existsSync(join(dir, 'model.json'))) {
    if (typeof imported === 'string')
      throw new EngineFailure('bad_request', `${dir}: an imported package; ${imported}`)
    return imported(dir, options)
  }
  if (await folder.is(dir)) return folder.load(dir, options)
  throw new EngineFailure(
    'model_not_found',
    `${dir}: neither an imported package (model.json) nor ${folder.what}`
  )
}

/**
 * A family's loader of both kinds of folder, whose caller may pass the imported package's loader
 * (the importer's family registry does; without it an imported package is refused with `noImport`).
 */
export function familyFolderLoader<Model>(
  noImport: string,
  folder: ExportFolder<Model>
): (dir: string, options: FamilyLoadOptions, fromImport?: FolderLoader<Model> | null) => Promise<Model> {
  return (dir, options, fromImport = null) => loadFamilyFolder(dir, options, fromImport ?? noImport, folder)
}
