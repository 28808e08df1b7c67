import { vaeScaleFactor } from '../vae-decode'
import { sd3MaxLatentSide, type Sd3Configs } from './configs'
import { SD3_MAX_SEQUENCE_LENGTH } from './folder'
import type { Sd3Model } from './model'

/**
 * StableDiffusion3Pipeline's defaults (28 steps, guidance 7, sample_size · VAE scale) and the
 * sizes its transformer takes (multiples of VAE scale · patch, within the position embedding's
 * crop): what an imported package's manifest keeps, and, with the text settings, what a plain
 * ONNX folder's model and an imported one's run with.
 */
export function sd3Defaults(c: Pick<Sd3Configs, 'vae' | 'transformer'>) {
  const scale = vaeScaleFactor(c.vae.block_out_channels)
  const side = c.transformer.sample_size * scale
  return {
    defaults: { steps: 28, guidanceScale: 7, width: side, height: side },
    sizes: { multipleOf: scale * c.transformer.patch_size, max: sd3MaxLatentSide(c.transformer) * scale }
  }
}

/**
 * The model's defaults and sizes: sd3Defaults', an empty negative prompt, and T5 padded to
 * max_sequence_length 256 or its tokenizer's shorter maximum (`t5MaxLength`; null: no T5).
 */
export function sd3ModelDefaults(
  c: Pick<Sd3Configs, 'vae' | 'transformer'>,
  t5MaxLength: number | null
): Pick<Sd3Model, 'defaults' | 'sizes'> {
  const { defaults, sizes } = sd3Defaults(c)
  return {
    defaults: {
      ...defaults,
      negativePrompt: '',
      maxSequenceLength: Math.min(t5MaxLength ?? SD3_MAX_SEQUENCE_LENGTH, SD3_MAX_SEQUENCE_LENGTH)
    },
    sizes
  }
}
