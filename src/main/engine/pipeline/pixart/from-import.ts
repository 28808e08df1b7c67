import { join } from 'node:path'
import { EngineFailure } from '../../errors'
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
  return pixartFromImport({
    id: m.id,
    name: m.name,
    provider: imp.provider,
    configs: m.configs,
    textEncoder: imp.session('text_encoder'),
    vaeDecoder: imp.session('vae_decoder'),
    tokenizerJson: imp.tokenizerJson('tokenizer'),
    tokenizerConfigJson: imp.tokenizerConfigJson('tokenizer'),
    tokenizerLabel: join(m.source.dir, 'tokenizer/tokenizer.json'),
    transformers: imp.transformers,
    release: () => imp.release()
  })
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
