import { join } from 'node:path'
import { isImportedFormat } from '../../../../shared/imported-manifest'
import { EngineFailure } from '../../errors'
import { loadImportedModel } from '../../import/load-imported'
import { readManifestJson } from '../../model/manifest-file'
import { diffusersFolder, loadFamilyFolder, type FamilyLoadOptions } from '../family-folder'
import { unsupportedSchedulerField } from '../flow-match'
import { fluxFromImport } from './from-import'
import type { FluxModel } from './model'
import { loadWholeGraphFlux } from './whole-graph'

/**
 * A FLUX model from a folder: an imported FLUX package (model.json of format cache-studio-import/2,
 * its transformer cut into blocks; fluxFromImport checks its family and scheduler) or a plain ONNX FluxPipeline folder (model_index.json, run
 * with its transformer whole).
 */

export type LoadFluxOptions = FamilyLoadOptions

export async function loadFluxModel(dir: string, options: LoadFluxOptions): Promise<FluxModel> {
  const model = await loadFamilyFolder(dir, options, loadImportedFlux, diffusersFolder(loadWholeGraphFlux))
  const unsupported = unsupportedSchedulerField(model.configs.scheduler)
  if (unsupported) {
    await model.release()
    throw new EngineFailure('model_invalid', `${model.id}: scheduler_config.json: ${unsupported}`)
  }
  return model
}

async function loadImportedFlux(dir: string, options: LoadFluxOptions): Promise<FluxModel> {
  const raw = await readManifestJson(dir)
  if (!isImportedFormat(raw))
    throw new EngineFailure(
      'bad_request',
      `${join(dir, 'model.json')}: not an imported FLUX package (studio import makes one)`
    )
  const imported = await loadImportedModel(dir, options)
  try {
    return await fluxFromImport(imported)
  } catch (e) {
    await imported.release().catch(() => undefined)
    throw e
  }
}
