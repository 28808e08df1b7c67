import { dirname, join } from 'node:path'
import { EngineFailure, isEngineFailure } from '../../errors'
import type { LoadedImport } from '../../import/loaded-import'
import { readRegularText } from '../../model/safe-read'
import type { Session } from '../../model/session'
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
  for (const c of ['text_encoder', 'text_encoder_2', 'vae_decoder'] as const)
    checkFloat32(imp.session(c), join(m.source.dir, m.components[c].file))
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
 * The engine feeds and reads these components as float32 (only the transformer's cut graphs get
 * Casts at their edges): a component with float16 inputs or outputs is refused by name rather
 * than failing inside ONNX Runtime at the first prompt.
 */
function checkFloat32(session: Session, file: string): void {
  for (const v of [...session.inputs, ...session.outputs]) {
    if (v.type.startsWith('float') && v.type !== 'float32')
      throw new EngineFailure(
        'model_invalid',
        `${file}: "${v.name}" is ${v.type}; the studio runs text encoders and VAE decoders with float32 inputs and outputs (convert with keep_io_types, or export in fp32)`
      )
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
