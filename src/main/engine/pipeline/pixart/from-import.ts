import { EngineFailure } from '../../errors'
import { textImportParts } from '../../import/families/model-parts'
import { pixartFromImport } from '../../import/families/pixart'
import { loadImportedModel } from '../../import/load-imported'
import type { LoadedImport } from '../../import/loaded-import'
import type { LoadPixArtOptions, PixArtModel } from './model'

/**
 * An imported PixArt-Σ package (model.json of family 'pixart') as the pipeline runs it: the
 * transformer cut into blocks (the step cache works on it), T5, the VAE decoder and the tokenizer
 * from the source folder.
 */
export function pixartFromLoadedImport(imp: LoadedImport): PixArtModel {
  const m = imp.manifest
  if (m.family !== 'pixart')
    throw new EngineFailure('bad_request', `${imp.dir}: an imported ${m.family} package, not PixArt-Σ`)
  return pixartFromImport(
    textImportParts(
      imp,
      () => imp.session('vae_decoder'),
      () => imp.transformers
    )
  )
}

export async function loadImportedPixArt(dir: string, options: LoadPixArtOptions): Promise<PixArtModel> {
  const imp = await loadImportedModel(dir, options)
  try {
    return pixartFromLoadedImport(imp)
  } catch (e) {
    await imp.release().catch(() => undefined)
    throw e
  }
}
