import { QwenImageConfigsSchema, qwenImageFromImport } from '../../import/families/qwen-image'
import type { LoadedImport } from '../../import/loaded-import'
import type { QwenImageGenerateModel } from './generate'

/**
 * An imported Qwen-Image package as generate runs it: the cut transformer (qwenImageFromImport)
 * and, where the package has one, its VAE decoder session with vae_decoder/config.json.
 */
export function qwenImageGenerateFromImport(imp: LoadedImport): QwenImageGenerateModel {
  const model = qwenImageFromImport(imp)
  // qwenImageFromImport has checked the configs; parse again for the VAE's part.
  const vae = QwenImageConfigsSchema.parse(imp.manifest.configs).vae
  return {
    ...model,
    vae: vae && imp.hasSession('vae_decoder') ? { config: vae, session: imp.session('vae_decoder') } : null
  }
}
