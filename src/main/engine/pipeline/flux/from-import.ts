import { join } from 'node:path'
import { EngineFailure } from '../../errors'
import { FluxConfigsSchema } from '../../import/families/flux'
import type { LoadedImport } from '../../import/loaded-import'
import { unsupportedSchedulerField } from '../flow-match'
import type { FluxModel } from './model'
import { FluxTokenizer } from './tokenize'

/** FluxPipeline refuses a longer T5 sequence. */
const MAX_T5_LENGTH = 512

/**
 * An imported FLUX package as the pipeline runs it: the transformer cut into blocks (the step
 * cache works on it), the encoders, VAE and tokenizers from the source folder. Its configs are
 * checked again here (families/flux.ts's schema), as every family adapter does. The tokenizer's
 * tokenizer_config.json gives the pad_token FluxPipeline pads with (CLIP pads with <|endoftext|>,
 * which tokenizer.json does not say); without one, tokenizer.json's own padding id.
 */
export async function fluxFromImport(imp: LoadedImport): Promise<FluxModel> {
  const m = imp.manifest
  if (m.family !== 'flux')
    throw new EngineFailure('model_invalid', `${m.id}: a ${m.family} package, not FLUX`)
  const parsed = FluxConfigsSchema.safeParse(m.configs)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new EngineFailure('model_invalid', `${m.id}: model.json configs.${i.path.join('.')}: ${i.message}`)
  }
  const configs = parsed.data
  const unsupported = unsupportedSchedulerField(configs.scheduler)
  if (unsupported) throw new EngineFailure('model_invalid', `${m.id}: scheduler_config.json: ${unsupported}`)
  const tokens = (name: string) => {
    const t = m.tokenizers[name]
    if (!t) throw new EngineFailure('model_invalid', `${m.id}: the package has no tokenizer "${name}"`)
    return t
  }
  const tokenizer = (name: 'tokenizer' | 'tokenizer_2') =>
    new FluxTokenizer(
      imp.tokenizerJson(name),
      imp.tokenizerConfigJson(name),
      join(m.source.dir, tokens(name).file)
    )
  return {
    id: m.id,
    name: m.name,
    provider: imp.provider,
    configs,
    defaults: m.defaults,
    sizes: m.sizes,
    clip: {
      tokenizer: tokenizer('tokenizer'),
      maxLength: tokens('tokenizer').maxLength,
      encoder: imp.session('text_encoder')
    },
    t5: {
      tokenizer: tokenizer('tokenizer_2'),
      maxLength: Math.min(tokens('tokenizer_2').maxLength, MAX_T5_LENGTH),
      encoder: imp.session('text_encoder_2')
    },
    vaeDecoder: imp.session('vae_decoder'),
    transformers: imp.transformers,
    transformerFor: (sigma) => imp.transformerFor(sigma),
    cacheable: true,
    release: () => imp.release()
  }
}
