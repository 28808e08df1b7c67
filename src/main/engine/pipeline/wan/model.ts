import type { ConcreteProvider } from '../../../../shared/providers'
import type { LoadedTransformer } from '../../model/loaded-model'
import type { Session } from '../../model/session'
import type { FluxTokenizer } from '../flux/tokenize'
import type { UniPCSchedulerConfig } from '../schedulers/unipc'
import type { TransformerCall } from '../transformer-call'
import type { WanTransformerConfig, WanVaeConfig } from './configs'

/**
 * What the Wan pipeline runs: the components of a WanPipeline folder with their sessions. Wan 2.1
 * has one transformer; Wan 2.2 two experts (`transformer` for the high-noise steps,
 * `transformer_2` below the boundary). An imported package gives the transformers cut into blocks
 * (the step cache works on them); a plain ONNX folder gives each as its one whole graph (no cache:
 * wan/whole-graph.ts).
 */

/** Sizes a request may ask for. `fixed` where a static graph allows one value only. */
export interface WanShape {
  /** Width and height must be multiples of this (VAE spatial scale · patch), at most max. */
  multipleOf: number
  max: number
  fixed: { width: number; height: number } | null
  /** Frames must be 1 + a multiple of the VAE's temporal scale, at most maxFrames. */
  frameStep: number
  maxFrames: number
  fixedFrames: number | null
  /** The text length a static transformer was exported with (null: any). */
  fixedTextLength: number | null
}

export interface WanModel {
  readonly id: string
  readonly name: string
  readonly provider: ConcreteProvider
  readonly configs: {
    scheduler: UniPCSchedulerConfig
    vae: WanVaeConfig
    transformer: WanTransformerConfig
  }
  /** Wan 2.2: the expert switch at boundary_ratio · num_train_timesteps; null with one transformer. */
  readonly boundaryRatio: number | null
  readonly defaults: {
    steps: number
    guidanceScale: number
    /** The low-noise expert's guidance (Wan 2.2's guidance_scale_2; defaults to guidanceScale). */
    guidanceScale2: number | null
    negativePrompt: string
    width: number
    height: number
    frames: number
    /** max_sequence_length: UMT5's ids are padded to it (WanPipeline's default 512). */
    maxSequenceLength: number
  }
  readonly shape: WanShape
  readonly tokenizer: FluxTokenizer
  readonly textEncoder: Session
  /** null where the folder has no VAE decoder graph (the fixtures' TorchScript exports). */
  readonly vaeDecoder: Session | null
  /** [transformer] or [transformer, transformer_2], manifest names as diffusers' attributes. */
  readonly transformers: readonly LoadedTransformer[]
  /** Replaces callTransformer where the transformers are whole graphs (no cache then). */
  readonly call?: TransformerCall
  readonly cacheable: boolean
  release(): Promise<void>
}

/** Whether a family model is the Wan pipeline's (its UMT5 and UniPC config are Wan's own fields). */
export function isWanModel(m: object): m is WanModel {
  return 'boundaryRatio' in m && 'textEncoder' in m && 'shape' in m
}
