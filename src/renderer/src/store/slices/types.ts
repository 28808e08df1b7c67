import type { StateCreator } from 'zustand'
import type { CalibratedPreset } from '../../../../shared/calibrated-presets'
import type { CacheConfig } from '../../../../shared/cache-config'
import type { CompareResult } from '../../../../shared/engine-protocol'
import type { EngineHostStatus } from '../../../../shared/engine-status'
import type { GalleryEntry, GalleryEntryMeta } from '../../../../shared/gallery'
import type { GenerateRequestInput, ProgressEvent, PromptTokens, Recipe } from '../../../../shared/generation'
import type { ModelInfo } from '../../../../shared/manifest'
import type { AddModelProgress } from '../../../../shared/model-import'
import type { PresetId } from '../../../../shared/presets'
import type { ConcreteProvider } from '../../../../shared/providers'
import type { Settings, SettingsPatch } from '../../../../shared/settings'
import type { StepTrace } from '../../../../shared/trace'
import type { CacheDraft, CacheFieldKey } from '../cache-form'

/**
 * The shape of every slice, in one file that imports no slice: each slice's creator is typed
 * against the whole store (zustand's slices pattern: every slice may read and call the others),
 * and the whole store is the sum of these. Declaring them here, not beside each creator, is what
 * keeps the slices free of import circles (docs/architecture.md, "Renderer store").
 */

// ── engine ───────────────────────────────────────────────────────────────────────────────────

/** The engine as the main process reports it; pushed in by connectStudio on every change. */
export interface EngineSlice {
  engine: EngineHostStatus | null
  /** Why the last engine call from the UI failed (e.g. a restart refused). */
  engineCallError: string | null
  restartEngine: () => Promise<void>
}

// ── generation ───────────────────────────────────────────────────────────────────────────────

export interface GenerationForm {
  modelId: string | null
  prompt: string
  negativePrompt: string
  seed: number
  /** Locked: every generate reuses the seed. Unlocked: each generate rolls a new one first. */
  seedLocked: boolean
  steps: number
  guidanceScale: number
  /** The low-noise expert's guidance on a two-expert model (ModelInfo.secondExpert); null: the model's default. */
  guidanceScale2: number | null
  /**
   * Output size for a model that makes more than one (imported FLUX: multiples of its
   * sizes.multipleOf); null for one exported at a single size, which the request then leaves out.
   */
  width: number | null
  height: number | null
  /** Frames for a video model whose request sets them (imported Wan: ModelInfo.frames); else null. */
  frames: number | null
}

export type JobPhase = 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed'

/** The latest step's decoded preview, as the engine sends it in a progress event. */
export type Preview = NonNullable<ProgressEvent['preview']>

/** How far a running generate is, as its last progress event said (the generate and compare views). */
export interface JobProgress {
  /** Steps done (the event's step index + 1). */
  step: number
  totalSteps: number
  elapsedMs: number
  etaMs: number
}

/** One generate as the studio follows it: progress events fill `traces` step by step. */
export interface Job extends JobProgress {
  id: string
  phase: JobPhase
  request: GenerateRequestInput
  traces: StepTrace[]
  preview: Preview | null
  error: string | null
  /** The gallery entry the finished output was saved as. */
  entryId: string | null
}

export interface GenerationSlice {
  form: GenerationForm
  job: Job | null
  setForm: (patch: Partial<GenerationForm>) => void
  selectModel: (modelId: string) => void
  rollSeed: () => void
  /** Runs the form's request as a job, following that job's progress events until it answers. */
  generate: () => Promise<void>
  cancelGenerate: () => Promise<void>
  /** Puts a stored recipe back in the form (the gallery's re-run). */
  loadRecipe: (recipe: Recipe) => void
}

// ── cache ────────────────────────────────────────────────────────────────────────────────────

export interface CacheSlice {
  preset: PresetId
  /** What the custom form's inputs hold, one string per knob. */
  customDraft: CacheDraft
  setPreset: (preset: PresetId) => void
  setCustomField: (key: CacheFieldKey, text: string) => void
  /** Starts the custom form from a preset's full config. */
  customizeFrom: (preset: PresetId) => void
  /** Puts a recipe's cache back in the picker (re-run from the gallery). */
  loadCacheConfig: (preset: PresetId, config: CacheConfig) => void
  /** The presets `studio calibrate` saved for the selected model (newest first). */
  calibrated: { modelId: string; presets: CalibratedPreset[] } | null
  /** Why the selected model's calibrated presets could not be read (one line); null when they could. */
  calibratedError: string | null
  /** The calibrated preset picked: it runs as `custom` with its fields (the draft holds them). */
  pickedCalibrated: CalibratedPreset | null
  loadCalibrated: (modelId: string) => Promise<void>
  pickCalibrated: (preset: CalibratedPreset) => void
  /** Opens the custom form on the picked calibrated preset's values. */
  customizeCalibrated: () => void
}

// ── models ───────────────────────────────────────────────────────────────────────────────────

export interface ModelsSlice {
  models: ModelInfo[]
  modelsLoaded: boolean
  modelsError: string | null
  /** Why the last folder the user picked was refused; null after a success or a cancel. */
  addModelError: string | null
  /**
   * While Add model runs: its job id (cancelAddModel names it), the importer's progress lines so
   * far (an ONNX diffusers folder), and whether a cancel was asked for.
   */
  addingModel: { jobId: string; lines: AddModelProgress[]; cancelling: boolean } | null
  /** What the last import said at its end ("imported as …", "already imported as …", "Import cancelled"). */
  addModelNotice: string | null
  /** A progress line from main while a folder is imported. */
  applyAddModelProgress: (event: AddModelProgress) => void
  loadModels: () => Promise<void>
  /** Opens main's folder dialog; a valid package is listed and selected, a bad one refused with the reason. */
  addModel: () => Promise<ModelInfo | null>
  /** Stops the running Add model; it then ends with the notice "Import cancelled". */
  cancelAddModel: () => Promise<void>
}

// ── gallery ──────────────────────────────────────────────────────────────────────────────────

export interface GallerySlice {
  /** Newest first, as main lists them. */
  entries: GalleryEntryMeta[]
  /** Full entries (files, trace, summary) fetched so far, by id. */
  loadedEntries: Record<string, GalleryEntry>
  selectedEntryId: string | null
  /** The last deleted entry, until it is restored or another delete replaces it. */
  lastDeleted: GalleryEntryMeta | null
  galleryError: string | null
  /** Where the last export went. */
  lastExport: string | null
  loadGallery: () => Promise<void>
  selectEntry: (id: string | null) => Promise<void>
  /** The full entry, fetched once and kept. */
  fetchEntry: (id: string) => Promise<GalleryEntry>
  /** An entry a generate just saved, as its answer holds it: listed and kept without a read back. */
  keepEntry: (entry: GalleryEntry) => void
  deleteEntry: (id: string) => Promise<void>
  undoDelete: () => Promise<void>
  exportEntry: (id: string) => Promise<void>
}

// ── compare ──────────────────────────────────────────────────────────────────────────────────

export type ComparePhase = 'idle' | 'generating-uncached' | 'comparing' | 'ready' | 'failed' | 'cancelled'

/** The compare of one cached run with its uncached twin; the progress is the twin's generate. */
export interface CompareState extends JobProgress {
  phase: ComparePhase
  cachedId: string | null
  uncachedId: string | null
  /** True when a stored uncached run of the same recipe was reused instead of generating one. */
  reusedUncached: boolean
  jobId: string | null
  result: CompareResult | null
  error: string | null
}

export interface CompareSlice {
  compare: CompareState
  /**
   * Compares a cached run with the same recipe uncached: reuses a stored uncached twin or
   * generates one, then asks the engine for PSNR, SSIM and the difference heatmap.
   */
  compareWithUncached: (cachedId: string) => Promise<void>
  cancelCompare: () => Promise<void>
}

// ── settings, ui, notices, prompt tokens ─────────────────────────────────────────────────────

export interface SettingsSlice {
  /** Null until main has answered. */
  settings: Settings | null
  /** Providers this machine's ONNX Runtime offers. */
  availableProviders: ConcreteProvider[]
  settingsError: string | null
  /** Set briefly after a save succeeded, for the "Saved" mark. */
  settingsSavedAt: number | null
  loadSettings: () => Promise<void>
  /** Checks the patch here (same schema as main), then saves; main's answer is the truth. */
  saveSettings: (patch: SettingsPatch) => Promise<boolean>
}

export type StudioView = 'generate' | 'compare' | 'gallery' | 'settings'

export interface UiSlice {
  view: StudioView
  /** Views link to each other (gallery → compare, gallery → generate), so the current one lives in the store. */
  setView: (view: StudioView) => void
}

export interface NoticesSlice {
  /** What main found wrong with stored files and set aside (one line each), less those dismissed. */
  notices: string[]
  dismissedNotices: string[]
  loadNotices: () => Promise<void>
  dismissNotice: (line: string) => void
}

export interface PromptTokensSlice {
  /** The last answer, with the model and text it is for (a stale one is not shown). */
  promptTokens: { modelId: string; text: string; tokens: PromptTokens } | null
  promptTokensError: string | null
  /** Asks the engine about the form's current prompt and model. */
  countPromptTokens: () => Promise<void>
}

// ── the store ────────────────────────────────────────────────────────────────────────────────

/** The whole store: every slice; each creator sees all of it. */
export type StudioSlices = EngineSlice &
  GenerationSlice &
  CacheSlice &
  ModelsSlice &
  GallerySlice &
  CompareSlice &
  SettingsSlice &
  UiSlice &
  PromptTokensSlice &
  NoticesSlice

export type SliceCreator<T> = StateCreator<StudioSlices, [], [], T>
