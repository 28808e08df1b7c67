import type { z } from 'zod'
import type { ImportedFamily } from '../../../../shared/imported-manifest'
import type { FamilyCutSpec } from '../boundaries'
import type { ModelProto } from '../../model/onnx-graph'
import type { ExternalFile } from '../external-data'

/**
 * What the importer knows of one family (docs/model-package.md, "Imported packages"). recognise.ts
 * and importer.ts are generic and read only this; each family's file (families/<family>.ts) gives
 * one, listed in families/index.ts. The partitioner's part (`cut`) is in families/graph-specs.ts.
 */

export type { FamilyCutSpec }

/** A component graph as recognise.ts checked it (protobuf read without its external data). */
export interface RecognisedGraph {
  /** Relative to the folder, e.g. `transformer/model.onnx`. */
  file: string
  model: ModelProto
  bytes: Uint8Array
  /** Folder (relative) its external data resolves in, when it has any. */
  externalDataDir?: string
  external: ExternalFile[]
  fp16: boolean
}

/** A component graph `<name>/model.onnx` and the inputs and outputs the family's pipeline feeds and reads. */
export interface FamilyComponent {
  name: string
  inputs: readonly string[]
  outputs: readonly string[]
  /** Absent from the folder: left out of the package (the pipeline says what it cannot do then). */
  optional?: boolean
}

export interface FamilyTokenizer {
  /** `<name>/tokenizer.json` + `<name>/tokenizer_config.json` (its model_max_length). */
  name: string
  optional?: boolean
}

export interface FamilyTransformer {
  /** The engine's transformer name (a cache context per transformer). */
  name: string
  /** The folder it is read from: `<component>/model.onnx`. */
  component: string
  /**
   * Share of the noise schedule (sigma or t/1000, 0..1) this expert serves: LoadedImport's
   * transformerFor picks by it (Wan 2.2: transformer [boundary_ratio, 1], transformer_2 [0, boundary_ratio]).
   */
  timestepRange: [number, number]
  /** Graph inputs it must have. */
  inputs: readonly string[]
}

/** What recognise.ts hands a family while it reads a folder. */
export interface FamilyFolder {
  /** Absolute path of the folder. */
  dir: string
  /** model_index.json (an empty object where the folder has none). */
  index: Record<string, unknown>
  /** Whether `<component>/model.onnx` exists. */
  hasGraph(component: string): boolean
  /** A JSON file of the folder, parsed (recorded as a source file the package uses). */
  json(file: string): Promise<unknown>
}

export interface FamilyDefaults {
  defaults: { steps: number; guidanceScale: number; width: number; height: number; frames?: number }
  /** Width and height: multiples of multipleOf, at most max; `fixed` for static-shape exports. */
  sizes: { multipleOf: number; max: number; fixed?: { width: number; height: number } }
}

export interface FamilyImportSpec {
  family: ImportedFamily
  /** For messages and the package's description: `FLUX`, `Wan`. */
  label: string
  /** model_index.json `_class_name`s recognised as this family. */
  pipelines: readonly string[]
  /**
   * Folders without model_index.json (a transformer-only export: the Qwen-Image fixture) are
   * recognised by transformer/config.json's `_class_name` instead.
   */
  transformerClasses?: readonly string[]
  kind: 'image' | 'video'
  /** scheduler/scheduler_config.json `_class_name`s its pipeline implements. */
  schedulers: readonly string[]
  /** Graph components besides the transformers. */
  components(folder: FamilyFolder): FamilyComponent[]
  tokenizers(folder: FamilyFolder): FamilyTokenizer[]
  /** The transformers to cut (read their config through folder.json where inputs depend on it). */
  transformers(folder: FamilyFolder): FamilyTransformer[] | Promise<FamilyTransformer[]>
  /** How the transformers' graphs are cut (families/graph-specs.ts). */
  cut: FamilyCutSpec
  /**
   * What the package keeps of the folder's configs (manifest `configs`), read through
   * folder.json; the checked graphs (by component name) are there for shapes a static export fixes.
   */
  readConfigs(
    folder: FamilyFolder,
    graphs: ReadonlyMap<string, RecognisedGraph>
  ): Promise<Record<string, unknown>>
  /** Strict check of readConfigs' result; the parsed value is what the manifest stores. */
  configSchema: z.ZodType<Record<string, unknown>>
  /** Defaults and sizes, from the checked configs. */
  defaults(configs: Record<string, unknown>): FamilyDefaults
  /** Tokenizer whose count the prompt field shows; null: the family reads no prompt text. */
  promptTokenizer: string | null
  /** One line for the package's description (the cut's lists are appended). */
  describe?(configs: Record<string, unknown>): string
}
