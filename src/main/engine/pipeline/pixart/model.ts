import type { Session } from '../../model/session'
import type { FluxTokenizer } from '../flux/tokenize'
import type { FamilyLoadOptions } from '../family-folder'
import type { OneTransformerModel } from '../family-loop'
import type { PixArtConfigs } from './configs'
import type { SamplingDefaults } from '../request-settings'

/**
 * What the PixArt-Σ pipeline runs: the components of a PixArtSigmaPipeline folder with their
 * sessions. An imported package gives the transformer cut into blocks (the step cache works on
 * it); a plain ONNX folder gives it as its one whole graph (pixart/whole-graph.ts: no cache).
 */

/** What the transformer graph allows, read from its input shapes (null: any). */
export interface PixArtShape {
  /** Sides must be multiples of this (VAE scale · patch), at most max. */
  multipleOf: number
  max: number
  /** The one image size a static graph was exported for. */
  fixed: { width: number; height: number } | null
  /** The batch a static graph was exported with (2: CFG's [uncond, cond] as one call). */
  fixedBatch: number | null
  /** The text length a static graph was exported with: the prompt is padded to it. */
  fixedTextLength: number | null
}

export interface PixArtModel extends OneTransformerModel {
  readonly configs: PixArtConfigs
  readonly defaults: SamplingDefaults & {
    /** max_sequence_length: T5's ids are padded to it (PixArtSigmaPipeline's default 300). */
    maxSequenceLength: number
  }
  readonly shape: PixArtShape
  readonly tokenizer: FluxTokenizer
  readonly textEncoder: Session
  readonly vaeDecoder: Session
}

/** How a PixArt model is loaded (pixart/load.ts, pixart/from-import.ts). */
export type LoadPixArtOptions = FamilyLoadOptions
