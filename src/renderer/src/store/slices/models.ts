import type { ModelInfo } from '../../../../shared/manifest'
import { errorText, isCancelled, unwrap } from '../../../../shared/failure'
import type { ModelsSlice, SliceCreator } from './types'

/** What the page says when the user cancelled an import (main has removed what it had written). */
export const IMPORT_CANCELLED = 'Import cancelled'

export const createModelsSlice: SliceCreator<ModelsSlice> = (set, get) => ({
  models: [],
  modelsLoaded: false,
  modelsError: null,
  addModelError: null,
  addingModel: null,
  addModelNotice: null,

  applyAddModelProgress: (event) =>
    set((s) =>
      s.addingModel
        ? { addingModel: { ...s.addingModel, lines: [...s.addingModel.lines, event].slice(-200) } }
        : {}
    ),

  loadModels: async () => {
    try {
      const models = await unwrap(window.studio.listModels())
      set({ models, modelsLoaded: true, modelsError: null })
      const current = get().form.modelId
      if (!current || !models.some((m) => m.id === current)) {
        if (models.length > 0) get().selectModel(preferredModel(models).id)
      }
    } catch (e) {
      set({ modelsLoaded: true, modelsError: errorText(e) })
    }
  },

  addModel: async () => {
    const jobId = `import-${crypto.randomUUID()}`
    set({ addingModel: { jobId, lines: [], cancelling: false }, addModelNotice: null })
    try {
      const model = await unwrap(window.studio.addModel({ jobId }))
      if (!model) {
        set({ addModelError: null, addingModel: null })
        return null
      }
      const last = get().addingModel?.lines.at(-1)?.line ?? null
      set((s) => ({
        models: [...s.models.filter((m) => m.id !== model.id), model],
        addModelError: null,
        addingModel: null,
        addModelNotice: last
      }))
      get().selectModel(model.id)
      return model
    } catch (e) {
      if (isCancelled(e)) set({ addModelError: null, addingModel: null, addModelNotice: IMPORT_CANCELLED })
      else set({ addModelError: errorText(e), addingModel: null })
      return null
    }
  },

  cancelAddModel: async () => {
    const adding = get().addingModel
    if (!adding || adding.cancelling) return
    set({ addingModel: { ...adding, cancelling: true } })
    const r = await window.studio.cancelAddModel({ jobId: adding.jobId })
    // Not cancelled = it had already ended; its own answer settles what the page shows.
    if (!r.ok)
      set((s) => ({
        addModelError: r.error.message,
        addingModel:
          s.addingModel?.jobId === adding.jobId ? { ...s.addingModel, cancelling: false } : s.addingModel
      }))
  }
})

/** Embedded image models first, the largest of them first: what a new user should see selected. */
export function preferredModel(models: readonly ModelInfo[]): ModelInfo {
  const rank = (m: ModelInfo): number => (m.embedded ? 0 : 2) + (m.kind === 'image' ? 0 : 1)
  return [...models].sort((a, b) => rank(a) - rank(b) || b.sizeBytes - a.sizeBytes)[0]
}

// The sizes and frames a model accepts: shared with whatever else builds requests from a ModelInfo.
export { sizeChoices, sizeProblem } from '../../../../shared/model-choices'

export const selectedModel = (
  s: Pick<ModelsSlice, 'models'> & { form: { modelId: string | null } }
): ModelInfo | null => s.models.find((m) => m.id === s.form.modelId) ?? null
