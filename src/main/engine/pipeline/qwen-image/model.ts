import type { OneTransformerModel } from '../family-loop'
import type { QwenImageConfigs } from './configs'

/**
 * What the Qwen-Image pipeline runs: the transformer of a Qwen-Image folder. The folder has no
 * text encoder graph (Qwen2.5-VL), so the pipeline takes precomputed prompt embeddings
 * (qwen-image/embeds.ts); without a VAE decoder graph it makes latents only.
 */

/** What the transformer graph allows, read from its input shapes (null: any). */
export interface QwenImageShape {
  /** The batch a static graph was exported with. */
  fixedBatch: number | null
  /** Image tokens of the packed latent: the RoPE table for it is baked into the exported graph. */
  imageTokens: number
  /** Packed latent channels (in_channels: latent channels × patch²). */
  channels: number
  /** The text length the graph was exported with: embeddings are padded to it (mask 0). */
  fixedTextLength: number | null
}

export interface QwenImageModel extends OneTransformerModel {
  readonly kind: 'image'
  readonly configs: QwenImageConfigs
  readonly defaults: {
    steps: number
    /** The request's guidance is true_cfg_scale (QwenImagePipeline has no other guidance here). */
    guidanceScale: number
    /** A size whose packed latent has the graph's image tokens (see qwenDefaultSize). */
    width: number
    height: number
    /** true_cfg_scale: applied only where negative prompt embeddings are given. */
    trueCfgScale: number
  }
  readonly shape: QwenImageShape
  /** For the model card: why a prompt is not enough. */
  readonly note: string
}

export const QWEN_EMBEDS_NOTE = 'needs precomputed prompt embeddings (no text encoder graph)'

/** Pixels per packed latent token side: the VAE's 8 × the 2×2 patch (QwenImagePipeline). */
export const QWEN_PIXELS_PER_TOKEN = 16

/**
 * An image size whose packed latent has `tokens` tokens: the squarest grid rows × cols with
 * rows ≤ cols. The exported graph bakes one img_shapes grid into its RoPE table and its inputs do
 * not say which factorisation it was; this size is shown, and a decode would have to use the
 * exporter's grid.
 */
export function qwenDefaultSize(tokens: number): { width: number; height: number } {
  let rows = Math.floor(Math.sqrt(tokens))
  while (rows > 1 && tokens % rows !== 0) rows--
  return { width: (tokens / rows) * QWEN_PIXELS_PER_TOKEN, height: rows * QWEN_PIXELS_PER_TOKEN }
}
