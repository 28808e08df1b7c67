import type {
  FlowMatchSchedulerConfig,
  FluxTransformerConfig,
  VaeConfig
} from '../../../../shared/imported-manifest'
import type { ConcreteProvider } from '../../../../shared/providers'
import type { LoadedTransformer } from '../../model/loaded-model'
import type { Session } from '../../model/session'
import type { TransformerCall } from '../transformer-call'
import type { FluxTokenizer } from './tokenize'

/**
 * What the FLUX pipeline runs: the components of a FluxPipeline folder with their sessions. An
 * imported package gives one (flux/from-import.ts: the transformer cut into blocks, so the step
 * cache works); a plain ONNX folder gives one with the transformer as its one whole graph
 * (flux/whole-graph.ts: no cache, a yardstick for the cut graphs).
 */
export interface FluxModel {
  readonly id: string
  readonly name: string
  readonly provider: ConcreteProvider
  readonly configs: {
    scheduler: FlowMatchSchedulerConfig
    vae: VaeConfig
    transformer: FluxTransformerConfig
  }
  readonly defaults: { steps: number; guidanceScale: number; width: number; height: number }
  /** Width and height must be multiples of multipleOf (VAE scale · 2), at most max. */
  readonly sizes: { multipleOf: number; max: number }
  /** CLIP (pooled) and T5 (hidden states), each with the length FluxPipeline pads it to. */
  readonly clip: { tokenizer: FluxTokenizer; maxLength: number; encoder: Session }
  readonly t5: { tokenizer: FluxTokenizer; maxLength: number; encoder: Session }
  readonly vaeDecoder: Session
  readonly transformers: readonly LoadedTransformer[]
  transformerFor(sigma: number): LoadedTransformer
  /** Replaces callTransformer where the transformer is not cut into blocks (no cache then). */
  readonly call?: TransformerCall
  /** Whether its transformer runs through the step cache (false: one whole graph). */
  readonly cacheable: boolean
  release(): Promise<void>
}
