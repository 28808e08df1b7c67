import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isImportedFormat } from '../../../../shared/imported-manifest'
import type { Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import { loadImportedModel } from '../../import/load-imported'
import { readManifestJson } from '../../model/manifest-file'
import type { SessionTuning } from '../../model/session'
import { unsupportedSchedulerField } from '../flow-match'
import { fluxFromImport } from './from-import'
import type { FluxModel } from './model'
import { loadWholeGraphFlux } from './whole-graph'

/**
 * A FLUX model from a folder: an imported FLUX package (model.json of format cache-studio-import/2,
 * its transformer cut into blocks; fluxFromImport checks its family and scheduler) or a plain ONNX FluxPipeline folder (model_index.json, run
 * with its transformer whole).
 */

export interface LoadFluxOptions {
  provider: Provider
  tuning?: SessionTuning
}

export async function loadFluxModel(dir: string, options: LoadFluxOptions): Promise<FluxModel> {
  let model: FluxModel
  if (existsSync(join(dir, 'model.json'))) {
    const raw = await readManifestJson(dir)
    if (!isImportedFormat(raw))
      throw new EngineFailure(
        'bad_request',
        `${join(dir, 'model.json')}: not an imported FLUX package (studio import makes one)`
      )
    model = await loadImportedFlux(dir, options)
  } else if (existsSync(join(dir, 'model_index.json'))) {
    model = await loadWholeGraphFlux(dir, options)
  } else {
    throw new EngineFailure(
      'model_not_found',
      `${dir}: neither an imported package (model.json) nor an ONNX diffusers folder (model_index.json)`
    )
  }
  const unsupported = unsupportedSchedulerField(model.configs.scheduler)
  if (unsupported) {
    await model.release()
    throw new EngineFailure('model_invalid', `${model.id}: scheduler_config.json: ${unsupported}`)
  }
  return model
}

async function loadImportedFlux(dir: string, options: LoadFluxOptions): Promise<FluxModel> {
  const imported = await loadImportedModel(dir, options)
  try {
    return await fluxFromImport(imported)
  } catch (e) {
    await imported.release().catch(() => undefined)
    throw e
  }
}
