import { z } from 'zod'
import {
  GenerateRequestSchema,
  PromptTextSchema,
  type GenerationOutput,
  type ProgressEvent,
  type PromptTokens
} from './generation'
import type { ModelInfo } from './manifest'
import { ImportModelParamsSchema, type ImportModelResult, type ImportProgress } from './model-import'
import type { ConcreteProvider } from './providers'

/**
 * The message protocol between the engine host (main process) and the engine (utility process,
 * or a Node child in tests). Requests carry an id; the engine answers each with exactly one
 * response, errors as values, and may send progress events for it before that.
 */

export const ENGINE_VERSION = '0.1.0'

export const EngineErrorCodeSchema = z.enum([
  'bad_request',
  'model_invalid',
  'model_not_found',
  'cancelled',
  'numeric',
  'provider_unavailable',
  'io',
  /** The model needs more memory (or another resource) than the machine has. */
  'resources',
  'engine_crashed',
  'internal'
])
export type EngineErrorCode = z.infer<typeof EngineErrorCodeSchema>

export const EngineErrorSchema = z.object({ code: EngineErrorCodeSchema, message: z.string() })
export type EngineError = z.infer<typeof EngineErrorSchema>

export const CompareRequestSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  frames: z.number().int().positive(),
  a: z.instanceof(Uint8Array),
  b: z.instanceof(Uint8Array)
})

/**
 * PSNR ceiling in dB. Identical images have an infinite PSNR, which JSON cannot carry (it writes
 * null); every PSNR is reported as at most this, and a value equal to it means "identical, or so
 * close that 8-bit rounding hides the difference" (one level of error in one channel of a 512×512
 * image is 108 dB). SSIM needs no cap: identical images score exactly 1.
 */
export const PSNR_CAP_DB = 99

export interface CompareResult {
  /** dB over all frames (from the mean squared error of all RGB values), at most PSNR_CAP_DB. */
  psnr: number
  /** Mean of the per-frame SSIM (Wang et al. 2004, on luma). */
  ssim: number
  perFrame: { psnr: number; ssim: number }[]
  /** RGBA8 heatmap of |a − b| per frame, frame-major, same size as the inputs. */
  heatmap: Uint8Array
  /**
   * The difference (mean over R, G, B, 0..255) drawn brightest in the heatmap: the largest one
   * in any frame. 0 when the inputs are identical (the heatmap is then all black).
   */
  heatmapMax: number
}

export interface EngineStatusInfo {
  version: string
  providers: ConcreteProvider[]
  busy: boolean
}

/** Method name → params schema and result type. Both sides import this one table. */
export const EngineMethodParams = {
  status: z.object({}).strict(),
  listModels: z.object({ extraModelDirs: z.array(z.string()).default([]) }).strict(),
  inspectModel: z.object({ path: z.string().min(1) }).strict(),
  /** The request plus the user's model folders, where an added model's id is looked up. */
  generate: GenerateRequestSchema.extend({ extraModelDirs: z.array(z.string()).default([]) }),
  compare: CompareRequestSchema,
  cancel: z.object({ requestId: z.string().min(1) }).strict(),
  /** The prompt through the model's tokenizer (no session is loaded for it). */
  countTokens: z
    .object({
      model: z.string().min(1),
      text: PromptTextSchema,
      extraModelDirs: z.array(z.string()).default([])
    })
    .strict(),
  /** An ONNX diffusers folder made into a package in modelsDir; `importProgress` messages before the answer. */
  importModel: ImportModelParamsSchema
} as const

export interface EngineMethodResults {
  status: EngineStatusInfo
  listModels: ModelInfo[]
  inspectModel: ModelInfo
  /** The served engine leaves the pixels out (generation.ts, GenerationOutput). */
  generate: GenerationOutput
  compare: CompareResult
  cancel: { cancelled: boolean }
  countTokens: PromptTokens
  importModel: ImportModelResult
}

export type EngineMethod = keyof typeof EngineMethodParams
export type EngineParams<M extends EngineMethod> = z.input<(typeof EngineMethodParams)[M]>

export const EngineRequestSchema = z.object({
  kind: z.literal('request'),
  id: z.string().min(1),
  method: z.enum(Object.keys(EngineMethodParams) as [EngineMethod, ...EngineMethod[]]),
  params: z.unknown()
})
export type EngineRequest = z.infer<typeof EngineRequestSchema>

export type EngineResponse =
  | { kind: 'response'; id: string; ok: true; result: unknown }
  | { kind: 'response'; id: string; ok: false; error: EngineError }

export interface EngineProgress {
  kind: 'progress'
  id: string
  event: ProgressEvent
}

/** A line of an importModel request's progress (shared/model-import.ts). */
export interface EngineImportProgress {
  kind: 'importProgress'
  id: string
  event: ImportProgress
}

/** Sent once when the engine has loaded and can take requests. */
export interface EngineReady {
  kind: 'ready'
  version: string
}

export type EngineMessage = EngineResponse | EngineProgress | EngineImportProgress | EngineReady
