import type { ImportedManifest } from '../../../shared/imported-manifest'
import type { ConcreteProvider, Provider } from '../../../shared/providers'
import type { BlockMode } from '../model/block-program'
import type { LoadedTransformer } from '../model/loaded-model'
import type { Session, SessionTuning } from '../model/session'

/**
 * An imported package (`cache-studio-import/1`, made by `studio import`) with its sessions
 * created: what a family pipeline (pipeline/flux/) runs. Made by `loadImportedModel` in
 * import/load-imported.ts.
 *
 * The transformers are the engine's own LoadedTransformer, so `callTransformer` and the step
 * cache work unchanged. Their embed graph's inputs follow docs/model-package.md where the engine
 * has a name for them — the packed latent is `latent` [B, N, C·p²], `timestep` [B] (FLUX: the
 * sigma, as FluxPipeline passes t/1000), `text_hidden` (T5 states), `text_pooled` (CLIP pooled) —
 * and keep the exporter's names otherwise (`img_ids` [N, 3], `txt_ids` [L, 3], `guidance` [B] on
 * guidance-distilled models). Every embed input is float32 whatever the graph's precision
 * (casts are inside the cut graphs). callTransformer forwards each embed input it finds by name
 * in `TransformerInputs.text`, so the pipeline passes img_ids, txt_ids and guidance there.
 * The final graph's output `velocity` has the latent's shape and is float32.
 */
export interface LoadedImport {
  readonly manifest: ImportedManifest
  /** The package folder (holding model.json and the cut graphs). */
  readonly dir: string
  readonly provider: ConcreteProvider
  readonly transformers: readonly LoadedTransformer[]
  /** The expert serving this sigma: the first whose timestepRange contains it. */
  transformerFor(sigma: number): LoadedTransformer
  /**
   * The session of a component graph from the source folder, input and output names as the
   * exporter wrote them (manifest.components[name].inputs/outputs: optimum's CLIP text encoder
   * `input_ids` int64 → `last_hidden_state`, `pooler_output`; T5 `input_ids` → `last_hidden_state`;
   * VAE decoder `latent_sample` → `sample`).
   */
  session(component: ImportedComponent): Session
  /** The text of the source folder's tokenizer.json (read at load, through the safe reader). */
  tokenizerJson(name: ImportedTokenizerName): string
  release(): Promise<void>
}

export type ImportedComponent = 'text_encoder' | 'text_encoder_2' | 'vae_decoder'
export type ImportedTokenizerName = 'tokenizer' | 'tokenizer_2'

export interface LoadImportedOptions {
  provider: Provider
  tuning?: SessionTuning
  /** Longest run of blocks fused into one graph (LoadOptions.maxSegmentBlocks). */
  maxSegmentBlocks?: number
  /** `segments` (default) or `blocks` (one session per block), as LoadOptions.blockMode. */
  blockMode?: BlockMode
}
