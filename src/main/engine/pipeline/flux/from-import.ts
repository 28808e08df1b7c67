import { dirname, join } from 'node:path'
import { isEngineFailure } from '../../errors'
import type { LoadedImport } from '../../import/loaded-import'
import { readRegularText } from '../../model/safe-read'
import type { FluxModel } from './model'
import { FluxTokenizer } from './tokenize'

/** FluxPipeline refuses a longer T5 sequence. */
const MAX_T5_LENGTH = 512

/**
 * An imported FLUX package as the pipeline runs it: the transformer cut into blocks (the step
 * cache works on it), the encoders, VAE and tokenizers from the source folder.
 */
export async function fluxFromImport(imp: LoadedImport): Promise<FluxModel> {
  const m = imp.manifest
  const tokenizer = async (name: 'tokenizer' | 'tokenizer_2') => {
    const file = m.components[name].file
    const label = join(m.source.dir, file)
    return new FluxTokenizer(imp.tokenizerJson(name), await tokenizerConfig(m.source.dir, file), label)
  }
  return {
    id: m.id,
    name: m.name,
    provider: imp.provider,
    configs: m.configs,
    defaults: m.defaults,
    sizes: m.sizes,
    clip: {
      tokenizer: await tokenizer('tokenizer'),
      maxLength: m.components.tokenizer.maxLength,
      encoder: imp.session('text_encoder')
    },
    t5: {
      tokenizer: await tokenizer('tokenizer_2'),
      maxLength: Math.min(m.components.tokenizer_2.maxLength, MAX_T5_LENGTH),
      encoder: imp.session('text_encoder_2')
    },
    vaeDecoder: imp.session('vae_decoder'),
    transformers: imp.transformers,
    transformerFor: (sigma) => imp.transformerFor(sigma),
    cacheable: true,
    release: () => imp.release()
  }
}

/**
 * tokenizer_config.json beside tokenizer.json: its pad_token is what FluxPipeline pads with
 * (CLIP pads with <|endoftext|>, which tokenizer.json does not say). A folder without one pads
 * with tokenizer.json's own padding id.
 */
async function tokenizerConfig(sourceDir: string, tokenizerFile: string): Promise<string | null> {
  const rel = join(dirname(tokenizerFile), 'tokenizer_config.json')
  try {
    return await readRegularText(join(sourceDir, rel), {
      maxBytes: 16 * 1024 * 1024,
      root: sourceDir,
      label: rel
    })
  } catch (e) {
    if (isEngineFailure(e) && e.code === 'model_not_found') return null
    throw e
  }
}
