import { vaeScaleFactor } from '../vae-decode'
import type { PixArtConfigs } from './configs'
import type { PixArtModel, PixArtShape } from './model'

/**
 * PixArtSigmaPipeline's defaults (20 steps, guidance 4.5, no negative prompt) at the graph's size:
 * a static export's, else sample_size · VAE scale; T5 padded to a static export's text length,
 * else to the tokenizer's (already bounded by max_sequence_length). A plain ONNX folder and an
 * imported package get theirs here alike.
 */
export function pixartDefaults(
  c: Pick<PixArtConfigs, 'vae' | 'transformer'> & { shape: PixArtShape; tokenizerMaxLength: number }
): PixArtModel['defaults'] {
  const side = c.transformer.sample_size * vaeScaleFactor(c.vae.block_out_channels)
  return {
    steps: 20,
    guidanceScale: 4.5,
    negativePrompt: '',
    width: c.shape.fixed?.width ?? side,
    height: c.shape.fixed?.height ?? side,
    maxSequenceLength: c.shape.fixedTextLength ?? c.tokenizerMaxLength
  }
}
