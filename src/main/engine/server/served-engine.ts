import type { CompareResult, EngineStatusInfo } from '../../../shared/engine-protocol'
import type {
  GenerateRequest,
  GenerationResult,
  ProgressEvent,
  PromptTokens
} from '../../../shared/generation'
import type { ModelInfo } from '../../../shared/manifest'
import type { z } from 'zod'
import type { CompareRequestSchema } from '../../../shared/engine-protocol'

/** What the server needs of the engine: the public Engine API, nothing more. */
export interface ServedEngine {
  status(): EngineStatusInfo | Promise<EngineStatusInfo>
  listModels(options: { extraModelDirs: string[] }): Promise<ModelInfo[]>
  inspectModel(path: string): Promise<ModelInfo>
  countTokens(params: { model: string; text: string; extraModelDirs: string[] }): Promise<PromptTokens>
  generate(
    request: GenerateRequest,
    options: { onProgress: (event: ProgressEvent) => void; signal: AbortSignal }
  ): Promise<GenerationResult>
}

export type CompareFn = (
  request: z.infer<typeof CompareRequestSchema>
) => CompareResult | Promise<CompareResult>
