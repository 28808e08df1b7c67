import type { GenerateCall, GenerateReply } from '../../../../shared/api'
import { MAX_SEED, type GenerateRequestInput, type ProgressEvent } from '../../../../shared/generation'
import { defaultShape, framesProblem, usesNegativePrompt } from '../../../../shared/model-choices'
import { requestFromRecipe } from '../../../../shared/recipe-request'
import { errorText, isCancelled, unwrap } from '../../../../shared/failure'
import { cacheBudgetProblem, cacheChoice, chosenPresetLabel, resolvedCache } from './cache'
import { selectedModel, sizeProblem } from './models'
import type { GenerationSlice, Job, JobProgress, SliceCreator, StudioSlices } from './types'

/** Stream a decoded preview every step: the models are small enough that it costs little. */
export const PREVIEW_EVERY = 1

export const randomSeed = (): number => crypto.getRandomValues(new Uint32Array(1))[0] % (MAX_SEED + 1)

export const newJobId = (): string => `job-${crypto.randomUUID()}`

export const createGenerationSlice: SliceCreator<GenerationSlice> = (set, get) => ({
  form: {
    modelId: null,
    prompt: '',
    negativePrompt: '',
    seed: 42,
    seedLocked: false,
    steps: 20,
    guidanceScale: 4,
    guidanceScale2: null,
    width: null,
    height: null,
    frames: null
  },
  job: null,

  setForm: (patch) => set((s) => ({ form: { ...s.form, ...patch } })),

  selectModel: (modelId) => {
    const model = get().models.find((m) => m.id === modelId)
    set((s) => ({
      form: {
        ...s.form,
        modelId,
        ...(model
          ? {
              steps: model.defaults.steps,
              guidanceScale: model.defaults.guidanceScale,
              guidanceScale2: model.secondExpert?.guidanceScale2 ?? null,
              negativePrompt: model.defaults.negativePrompt,
              prompt: s.form.prompt || (model.examples[0] ?? ''),
              ...defaultShape(model)
            }
          : {})
      }
    }))
    void get().loadCalibrated(modelId)
  },

  rollSeed: () => set((s) => ({ form: { ...s.form, seed: randomSeed() } })),

  generate: async () => {
    const state = get()
    if (isGenerating(state) || whyCannotGenerate(state)) return
    const request = buildRequest(state)
    if (!request) return
    if (!state.form.seedLocked) {
      request.seed = randomSeed()
      set((s) => ({ form: { ...s.form, seed: request.seed } }))
    }
    const id = newJobId()
    // The run replaces the output shown: a cancel or failure then shows its message, not the last output.
    set({ job: newJob(id, request), selectedEntryId: null })
    try {
      const { entryId, ...entry } = await generateFollowing({ jobId: id, request }, (event) =>
        set((s) => (s.job && s.job.id === id ? { job: withProgress(s.job, event) } : {}))
      )
      patchJob(set, id, { phase: 'done', entryId, step: entry.recipe.steps })
      // The answer holds the saved entry: shown from it, not read back from the gallery.
      get().keepEntry(entry)
      await get().selectEntry(entryId)
    } catch (e) {
      const cancelled = isCancelled(e)
      patchJob(set, id, cancelled ? { phase: 'cancelled' } : { phase: 'failed', error: errorText(e) })
    }
  },

  cancelGenerate: async () => {
    const job = get().job
    if (!job || job.phase !== 'running') return
    patchJob(set, job.id, { phase: 'cancelling' })
    const r = await window.studio.cancelGenerate({ jobId: job.id })
    // Not cancelled = it had already finished; its own answer settles the phase.
    if (!r.ok) patchJob(set, job.id, { error: r.error.message })
  },

  loadRecipe: (recipe) => {
    const request = requestFromRecipe(recipe)
    set((s) => ({
      form: {
        ...s.form,
        modelId: request.model,
        prompt: request.prompt,
        negativePrompt: request.negativePrompt ?? '',
        seed: request.seed,
        seedLocked: true,
        steps: request.steps ?? s.form.steps,
        guidanceScale: request.guidanceScale ?? s.form.guidanceScale,
        guidanceScale2: request.guidanceScale2 ?? null,
        width: request.width ?? null,
        height: request.height ?? null,
        frames: request.frames ?? null
      }
    }))
    get().loadCacheConfig(recipe.preset, recipe.cache)
    void get().loadCalibrated(recipe.model)
  }
})

/**
 * A generate that follows its own job's progress while it runs: the slice that starts a job
 * subscribes to main's progress events for it before the call, so no step is missed, and drops
 * the subscription when the call answers (docs/architecture.md, "The way of a request").
 */
export async function generateFollowing(
  call: GenerateCall,
  onProgress: (event: ProgressEvent) => void
): Promise<GenerateReply> {
  const unsubscribe = window.studio.on('generateProgress', ({ jobId, event }) => {
    if (jobId === call.jobId) onProgress(event)
  })
  try {
    return await unwrap(window.studio.generate(call))
  } finally {
    unsubscribe()
  }
}

/** The job with one more step's progress event: its counts, its traces appended, its newest preview. */
const withProgress = (job: Job, event: ProgressEvent): Job => ({
  ...job,
  ...progressOf(event),
  traces: [...job.traces, ...event.traces],
  preview: event.preview ?? job.preview
})

/** A progress event as the store keeps it: steps done, out of how many, how long so far and to go. */
export const progressOf = (event: ProgressEvent): JobProgress => ({
  step: event.step + 1,
  totalSteps: event.totalSteps,
  elapsedMs: event.elapsedMs,
  etaMs: event.etaMs
})

function newJob(id: string, request: GenerateRequestInput): Job {
  return {
    id,
    phase: 'running',
    request,
    step: 0,
    totalSteps: request.steps ?? 0,
    elapsedMs: 0,
    etaMs: 0,
    traces: [],
    preview: null,
    error: null,
    entryId: null
  }
}

function patchJob(set: Parameters<SliceCreator<GenerationSlice>>[0], id: string, patch: Partial<Job>): void {
  set((s) => (s.job && s.job.id === id ? { job: { ...s.job, ...patch } } : {}))
}

/** The request the form describes, or null when it cannot run (no model, invalid custom cache). */
export function buildRequest(s: StudioSlices): (GenerateRequestInput & { seed: number }) | null {
  const model = selectedModel(s)
  const cache = cacheChoice(s)
  if (!model || !cache) return null
  return {
    model: model.id,
    prompt: s.form.prompt,
    // A family without CFG (FLUX) reads no negative prompt: none is sent, so none is recorded.
    ...(usesNegativePrompt(model) ? { negativePrompt: s.form.negativePrompt } : {}),
    seed: s.form.seed,
    steps: s.form.steps,
    guidanceScale: s.form.guidanceScale,
    ...(model.sizes && s.form.width !== null && s.form.height !== null
      ? { width: s.form.width, height: s.form.height }
      : {}),
    ...(model.frames && s.form.frames !== null ? { frames: s.form.frames } : {}),
    ...(model.secondExpert && s.form.guidanceScale2 !== null
      ? { guidanceScale2: s.form.guidanceScale2 }
      : {}),
    cache,
    provider: s.settings?.provider ?? 'auto',
    previewEvery: PREVIEW_EVERY
  }
}

export const isGenerating = (s: Pick<GenerationSlice, 'job'>): boolean =>
  s.job !== null && (s.job.phase === 'running' || s.job.phase === 'cancelling')

/** Why Generate is disabled, in words; null when it can run. */
export function whyCannotGenerate(s: StudioSlices): string | null {
  const model = selectedModel(s)
  if (!model) return s.models.length === 0 ? 'No model available' : 'Pick a model'
  // Nothing else in the form matters to a model the app cannot give its prompt (no text encoder graph).
  if (model.promptEmbeds) return 'Needs precomputed prompt embeddings: studio generate --prompt-embeds'
  if (model.cannotGenerate) return model.cannotGenerate
  if (!resolvedCache(s)) return 'Fix the custom cache settings'
  const budget = cacheBudgetProblem(s)
  if (budget) return `${chosenPresetLabel(s)} does not fit this model: ${budget}`
  if (!Number.isInteger(s.form.steps) || s.form.steps < 1 || s.form.steps > 1000)
    return 'Steps must be 1–1000'
  if (!(s.form.guidanceScale >= 0 && s.form.guidanceScale <= 50)) return 'Guidance must be 0–50'
  const g2 = s.form.guidanceScale2
  if (model.secondExpert && g2 !== null && !(g2 >= 0 && g2 <= 50)) return 'Low-noise guidance must be 0–50'
  const size = sizeProblem(model, s.form.width, s.form.height)
  if (size) return size
  const frames = framesProblem(model, s.form.frames)
  if (frames) return frames
  return null
}
