import type { ImportedManifest } from '../../../shared/imported-manifest'
import type { ConcreteProvider, Provider } from '../../../shared/providers'
import type { BlockMode } from '../model/block-program'
import type { LoadedTransformer } from '../model/loaded-model'
import type { Session, SessionTuning } from '../model/session'

/**
 * An imported package (`cache-studio-import/2`, made by `studio import`) with its sessions
 * created: what a family pipeline (pipeline/families.ts) runs. Made by `loadImportedModel` in
 * import/load-imported.ts; docs/model-package.md ("Imported packages") has the contract.
 *
 * The transformers are the engine's own LoadedTransformer, so `callTransformer` and the step
 * cache work unchanged. Their embed graph's inputs are named as the family's cut spec says
 * (import/families/graph-specs.ts): `latent` (the transformer's hidden_states input, as the
 * family lays it out: FLUX's packed [B, N, C·4], Wan's [B, C, F, H, W]), `timestep` (as the
 * family's transformer takes it: FLUX the sigma, t/1000; Wan and SD3 t in 0..1000), `text_hidden`,
 * `text_pooled`, `text_mask` (0/1), and the exporter's names otherwise (FLUX's `img_ids`,
 * `txt_ids`, `guidance`). Every one of those is float32 whatever the graph's type (Casts are inside
 * the cut graphs). callTransformer forwards each embed input it finds by name in
 * `TransformerInputs.text`. The final graph's output `velocity` has the latent's shape, float32.
 */
export interface LoadedImport {
  readonly manifest: ImportedManifest
  /** The package folder (holding model.json and the cut graphs). */
  readonly dir: string
  readonly provider: ConcreteProvider
  /** In the manifest's order (Wan 2.2: transformer, transformer_2). */
  readonly transformers: readonly LoadedTransformer[]
  /** The expert serving this sigma (0..1): the first whose timestepRange contains it. */
  transformerFor(sigma: number): LoadedTransformer
  /** The transformer of that name; throws naming it where the package has none. */
  transformer(name: string): LoadedTransformer
  /** Whether the package has a session for this component (optional ones may be absent). */
  hasSession(component: string): boolean
  /**
   * The session of a component graph from the source folder (every component no transformer was
   * cut from), input and output names as the exporter wrote them (manifest.components[name]:
   * optimum's CLIP text encoder `input_ids` int64 → `last_hidden_state`, `pooler_output`; T5
   * `input_ids` → `last_hidden_state`; VAE decoder `latent_sample` → `sample`). Throws naming the
   * component where the package has none.
   */
  session(component: string): Session
  /** The text of the source folder's `<name>/tokenizer.json` (read at load, through the safe reader). */
  tokenizerJson(name: string): string
  /** `<name>/tokenizer_config.json` beside it, or null where the folder has none. */
  tokenizerConfigJson(name: string): string | null
  release(): Promise<void>
}

export interface LoadImportedOptions {
  provider: Provider
  tuning?: SessionTuning
  /** Longest run of blocks fused into one graph (LoadOptions.maxSegmentBlocks). */
  maxSegmentBlocks?: number
  /** `segments` (default) or `blocks` (one session per block), as LoadOptions.blockMode. */
  blockMode?: BlockMode
  /** Memory the model must fit in (default: the machine's RAM); see model/memory-estimate.ts. */
  memoryBytes?: number
  /** The size of the request it is loaded for, whose activations the estimate counts (import/imported-memory.ts). */
  size?: { width?: number; height?: number; frames?: number }
}
