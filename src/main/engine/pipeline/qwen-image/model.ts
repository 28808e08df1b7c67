import type { ConcreteProvider } from '../../../../shared/providers'
import type { LoadedTransformer } from '../../model/loaded-model'
import type { TransformerCall } from '../transformer-call'
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

export interface QwenImageModel {
  readonly id: string
  readonly name: string
  readonly provider: ConcreteProvider
  readonly configs: QwenImageConfigs
  readonly defaults: {
    steps: number
    /** true_cfg_scale: applied only where negative prompt embeddings are given. */
    trueCfgScale: number
  }
  readonly shape: QwenImageShape
  readonly transformer: LoadedTransformer
  /** Replaces callTransformer where the transformer is one whole graph (no cache then). */
  readonly call?: TransformerCall
  readonly cacheable: boolean
  /** For the model card: why a prompt is not enough. */
  readonly note: string
  release(): Promise<void>
}

export const QWEN_EMBEDS_NOTE = 'needs precomputed prompt embeddings (no text encoder graph)'
