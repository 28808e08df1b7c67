import { z } from 'zod'
import type { CompareResult, EngineErrorCode } from './engine-protocol'
import type { EngineHostStatus } from './engine-status'
import { SetEngineSchema, TestEngineSchema, type EngineInfo, type EngineProbe } from './engine-endpoint'
import type { CalibratedPreset } from './calibrated-presets'
import { EntryIdSchema, type GalleryEntry, type GalleryEntryMeta } from './gallery'
import { GenerateRequestSchema, PromptTextSchema, type ProgressEvent, type PromptTokens } from './generation'
import type { ModelInfo } from './manifest'
import type { AddModelProgress } from './model-import'
import type { ConcreteProvider } from './providers'
import { SettingsPatchSchema, type Settings } from './settings'
import type { StudioCall, StudioEvent } from './api-channels'

export * from './api-channels'

/**
 * The renderer ↔ main contract: every call `window.studio` offers, its payload schema and its
 * answer. Main validates each payload with the schema here; the preload forwards exactly these
 * names; the renderer gets these types. (After Comfy-Org/desktop's ipcChannels, with the payload
 * types here instead of in the preload.)
 */

/** A generate from the studio: the renderer picks `jobId` so it can cancel and match progress. */
export const GenerateCallSchema = z
  .object({ jobId: z.string().min(1).max(100), request: GenerateRequestSchema })
  .strict()
export type GenerateCall = z.input<typeof GenerateCallSchema>

export const JobIdSchema = z.object({ jobId: z.string().min(1) }).strict()
export const EntryRefSchema = z.object({ id: EntryIdSchema }).strict()
export const ComparePairSchema = z.object({ a: EntryIdSchema, b: EntryIdSchema }).strict()
/** A prompt to count against a model's tokenizer. */
export const CountTokensSchema = z
  .object({ model: z.string().min(1).max(200), text: PromptTextSchema })
  .strict()
/** A model by the id listModels gave it. */
export const ModelRefSchema = z.object({ modelId: z.string().min(1).max(200) }).strict()

/** Payload schema per call; `null` for calls without one. */
export const REQUEST_SCHEMAS = {
  getEngineStatus: null,
  restartEngine: null,
  listProviders: null,
  listModels: null,
  addModel: JobIdSchema,
  cancelAddModel: JobIdSchema,
  listCalibratedPresets: ModelRefSchema,
  countTokens: CountTokensSchema,
  generate: GenerateCallSchema,
  cancelGenerate: JobIdSchema,
  compare: ComparePairSchema,
  listGallery: null,
  getGalleryEntry: EntryRefSchema,
  deleteGalleryEntry: EntryRefSchema,
  restoreGalleryEntry: EntryRefSchema,
  exportGalleryEntry: EntryRefSchema,
  getSettings: null,
  setSettings: SettingsPatchSchema,
  listNotices: null,
  getEngine: null,
  setEngine: SetEngineSchema,
  testEngine: TestEngineSchema
} as const satisfies Record<StudioCall, z.ZodType | null>

/**
 * What a generate answers: the gallery entry it was saved as, files and trace included, so the
 * renderer shows the output from this one answer without reading the gallery back (raw pixels
 * stay in main). `entryId` is the entry's `id`.
 */
export type GenerateReply = GalleryEntry & { entryId: string }

/** The contract: call name → { params: named tuple; return: T }. */
export interface StudioCalls {
  getEngineStatus: { params: []; return: EngineHostStatus }
  restartEngine: { params: []; return: EngineHostStatus }
  /** Providers this machine's ONNX Runtime can use. */
  listProviders: { params: []; return: ConcreteProvider[] }
  listModels: { params: []; return: ModelInfo[] }
  /**
   * Opens a folder dialog in main; null when the user cancels it. A package folder is added where
   * it is; an ONNX diffusers folder is imported into the app's models folder (addModelProgress
   * events). The renderer picks `jobId` so that cancelAddModel can stop the import.
   */
  addModel: { params: [job: z.input<typeof JobIdSchema>]; return: ModelInfo | null }
  /**
   * Stops the addModel of that job id: its import ends with `cancelled` and leaves nothing in the
   * models folder. `cancelled: false` when no such job runs (it had already ended).
   */
  cancelAddModel: { params: [job: z.input<typeof JobIdSchema>]; return: { cancelled: boolean } }
  /** The presets `studio calibrate` saved for this model (validated; newest first). */
  listCalibratedPresets: { params: [model: z.input<typeof ModelRefSchema>]; return: CalibratedPreset[] }
  /** The prompt's tokens against the model's limit: what is kept, dropped and unknown. */
  countTokens: { params: [prompt: z.input<typeof CountTokensSchema>]; return: PromptTokens }
  generate: { params: [call: GenerateCall]; return: GenerateReply }
  cancelGenerate: { params: [job: z.input<typeof JobIdSchema>]; return: { cancelled: boolean } }
  compare: { params: [pair: z.input<typeof ComparePairSchema>]; return: CompareResult }
  listGallery: { params: []; return: GalleryEntryMeta[] }
  getGalleryEntry: { params: [entry: z.input<typeof EntryRefSchema>]; return: GalleryEntry }
  /** Moves the entry to the trash; restoreGalleryEntry undoes it. */
  deleteGalleryEntry: { params: [entry: z.input<typeof EntryRefSchema>]; return: { id: string } }
  restoreGalleryEntry: { params: [entry: z.input<typeof EntryRefSchema>]; return: GalleryEntryMeta }
  /** Opens a folder dialog in main and copies the entry there; null when the user cancels. */
  exportGalleryEntry: { params: [entry: z.input<typeof EntryRefSchema>]; return: { path: string } | null }
  getSettings: { params: []; return: Settings }
  setSettings: { params: [patch: z.input<typeof SettingsPatchSchema>]; return: Settings }
  /**
   * What main found wrong with the user's files this session and set aside (renamed, not deleted):
   * a settings file it could not read, a corrupt gallery entry, a refused output folder. One line each.
   */
  listNotices: { params: []; return: string[] }
  /** Settings → Engine (shared/engine-endpoint.ts): local or a server; the token is never answered. */
  getEngine: { params: []; return: EngineInfo }
  setEngine: { params: [choice: z.input<typeof SetEngineSchema>]; return: EngineInfo }
  /** Asks a server for its health and models, without saving anything. */
  testEngine: { params: [server: z.input<typeof TestEngineSchema>]; return: EngineProbe }
}

/** Events main pushes to the renderer: event name → payload. */
export interface StudioEvents {
  engineStatus: EngineHostStatus
  generateProgress: { jobId: string; event: ProgressEvent }
  /** A line of the importer's progress while Add model imports an ONNX diffusers folder. */
  addModelProgress: AddModelProgress
}

/** Errors travel as values: `invoke` would flatten them into a message string and lose the code. */
/** `corrupt`: a file on disk is not what the studio wrote (it has been set aside, see listNotices). */
export type ApiErrorCode = EngineErrorCode | 'not_found' | 'disk_full' | 'corrupt'
export interface ApiError {
  code: ApiErrorCode
  message: string
}
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** `window.studio`: one method per call, one `on…` subscription per event. */
export type StudioApi = {
  [C in StudioCall]: (...params: StudioCalls[C]['params']) => Promise<ApiResult<StudioCalls[C]['return']>>
} & {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends StudioEvent>(event: E, listener: (payload: StudioEvents[E]) => void): () => void
}
