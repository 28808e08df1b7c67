import type { Session } from '../../model/session'
import type { FluxTokenizer } from '../flux/tokenize'
import type { OneTransformerModel } from '../family-loop'
import type { Sd3Configs } from './configs'
import type { SamplingDefaults } from '../request-settings'

/**
 * What the SD3 pipeline runs: the components of a StableDiffusion3Pipeline folder with their
 * sessions. An imported package gives the transformer cut into blocks (the step cache works on
 * it); a plain ONNX folder gives it as its one whole graph (sd3/whole-graph.ts: no cache).
 */

export interface Sd3Clip {
  tokenizer: FluxTokenizer
  /** CLIPTokenizer's model_max_length (77). */
  maxLength: number
  /** CLIPTextModelWithProjection: text_embeds and hidden_states.K outputs. */
  encoder: Session
}

export interface Sd3Model extends OneTransformerModel {
  readonly kind: 'image'
  readonly configs: Sd3Configs
  readonly defaults: SamplingDefaults & {
    /** max_sequence_length: T5's ids are padded to it (StableDiffusion3Pipeline's default 256). */
    maxSequenceLength: number
  }
  /** Sides must be multiples of multipleOf, at most max. */
  readonly sizes: { multipleOf: number; max: number }
  readonly clipL: Sd3Clip
  readonly clipG: Sd3Clip
  /** text_encoder_3 (T5); null where the folder has none (diffusers then uses zeros). */
  readonly t5: { tokenizer: FluxTokenizer; encoder: Session } | null
  readonly vaeDecoder: Session
}
