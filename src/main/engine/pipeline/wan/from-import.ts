import { textImportParts } from '../../import/families/model-parts'
import { wanFromImport } from '../../import/families/wan'
import type { LoadedImport } from '../../import/loaded-import'
import type { WanModel } from './model'

/**
 * An imported Wan package as the pipeline runs it: its transformer (and Wan 2.2's transformer_2)
 * cut into blocks, so the step cache works; UMT5, the VAE decoder (where the folder has one) and
 * the tokenizer from the source folder. The configs are checked again by the family's schema.
 */
export async function wanFromLoadedImport(imp: LoadedImport): Promise<WanModel> {
  const names = imp.transformers.map((t) => t.manifest.name)
  return wanFromImport(
    textImportParts(
      imp,
      () => (imp.hasSession('vae_decoder') ? imp.session('vae_decoder') : null),
      () => names.map((n) => imp.transformer(n))
    )
  )
}
