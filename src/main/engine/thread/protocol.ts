import type { EngineErrorCode } from '../../../shared/engine-protocol'
import type {
  GenerateRequest,
  GenerationOutput,
  GenerationResult,
  ProgressEvent
} from '../../../shared/generation'
import type { ConcreteProvider } from '../../../shared/providers'
import type { SessionTuning } from '../model/session'

/**
 * Messages between the Engine (the host's thread, which stays free to answer status and cancel)
 * and the generation thread, where ONNX Runtime's run() may block. Cancel is a flag in shared
 * memory that the thread reads before every session call, so it needs no message round trip.
 */

export interface ThreadGenerate {
  type: 'generate'
  id: number
  /** Absolute model folder: the host resolved the request's id or path. */
  modelDir: string
  request: GenerateRequest
  /** Int32Array over it: [0] = 1 once cancelled. */
  cancelFlag: SharedArrayBuffer
  /** False for the app's served engine, which keeps the raw pixels out of every message. */
  pixels: boolean
}

export interface ThreadRelease {
  type: 'release'
  id: number
}

export type ToThread = ThreadGenerate | ThreadRelease

export type FromThread =
  | { type: 'ready'; providers: ConcreteProvider[] }
  | { type: 'progress'; id: number; event: ProgressEvent }
  | { type: 'result'; id: number; result: GenerationResult | GenerationOutput }
  | { type: 'released'; id: number }
  | { type: 'error'; id: number; error: { code: EngineErrorCode; message: string } }

/** Data the thread gets at start (workerData). */
export interface ThreadInit {
  tuning: SessionTuning | null
  /** Where measured thread layouts are read (thread-layout-store.ts); null: none read. */
  layoutsDir?: string | null
}
