import { EngineFailure } from '../../errors'
import { sd3FromImport } from '../../import/families/sd3'
import { loadImportedModel } from '../../import/load-imported'
import type { LoadSd3Options } from './load'
import type { Sd3Model } from './model'

/**
 * An imported SD3 package (model.json of family 'sd3') as the pipeline runs it: the transformer
 * cut into blocks (the step cache works on it), the CLIP, T5 and VAE sessions and the tokenizers
 * from the source folder. The Sd3ImportLoader that replay and load pass to loadSd3Model.
 */
export async function loadImportedSd3(dir: string, options: LoadSd3Options): Promise<Sd3Model> {
  const imp = await loadImportedModel(dir, options)
  try {
    if (imp.manifest.family !== 'sd3')
      throw new EngineFailure('bad_request', `${dir}: an imported ${imp.manifest.family} package, not SD3`)
    return sd3FromImport(imp)
  } catch (e) {
    await imp.release().catch(() => undefined)
    throw e
  }
}
