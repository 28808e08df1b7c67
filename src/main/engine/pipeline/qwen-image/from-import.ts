import { EngineFailure } from '../../errors'
import { qwenImageFromImport } from '../../import/families/qwen-image'
import { loadImportedModel } from '../../import/load-imported'
import type { LoadQwenImageOptions } from './load'
import type { QwenImageModel } from './model'

/**
 * An imported Qwen-Image package (model.json of family 'qwen-image') as the pipeline runs it: the
 * transformer cut into blocks. The QwenImageImportLoader that replay passes to loadQwenImageModel.
 */
export async function loadImportedQwenImage(
  dir: string,
  options: LoadQwenImageOptions
): Promise<QwenImageModel> {
  const imp = await loadImportedModel(dir, options)
  try {
    if (imp.manifest.family !== 'qwen-image')
      throw new EngineFailure(
        'bad_request',
        `${dir}: an imported ${imp.manifest.family} package, not Qwen-Image`
      )
    return qwenImageFromImport(imp)
  } catch (e) {
    await imp.release().catch(() => undefined)
    throw e
  }
}
