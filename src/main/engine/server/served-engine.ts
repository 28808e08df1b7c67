import type { CompareResult, EngineStatusInfo } from '../../../shared/engine-protocol'
import type {
  GenerateRequest,
  GenerationOutput,
  ProgressEvent,
  PromptTokens
} from '../../../shared/generation'
import type { ModelInfo } from '../../../shared/manifest'
import type { ImportModelParams, ImportModelResult, ImportProgress } from '../../../shared/model-import'
import type { z } from 'zod'
import type { CompareRequestSchema } from '../../../shared/engine-protocol'

/** What the server needs of the engine: the public Engine API, nothing more. */
export interface ServedEngine {
  status(): EngineStatusInfo | Promise<EngineStatusInfo>
  listModels(options: { extraModelDirs: string[] }): Promise<ModelInfo[]>
  inspectModel(path: string): Promise<ModelInfo>
  countTokens(params: { model: string; text: string; extraModelDirs: string[] }): Promise<PromptTokens>
  /** Runs now: the request is already parsed and the host sends one generate at a time. */
  runGenerate(
    request: GenerateRequest,
    options: {
      onProgress: (event: ProgressEvent) => void
      signal: AbortSignal
      /** The user's model folders (settings), where an added model's id is found. */
      extraModelDirs?: readonly string[]
    }
  ): Promise<GenerationOutput>
  /** Absent in an engine build without the importer. */
  importModel?(
    params: ImportModelParams,
    options: {
      onProgress: (event: ImportProgress) => void
      /** Aborted by a `cancel` naming the request: the import thread is ended, nothing is left. */
      signal?: AbortSignal
    }
  ): Promise<ImportModelResult>
}

export type CompareFn = (
  request: z.infer<typeof CompareRequestSchema>
) => CompareResult | Promise<CompareResult>
