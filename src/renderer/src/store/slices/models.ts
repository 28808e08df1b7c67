import type { ModelInfo } from '../../../../shared/manifest'
import type { SliceCreator } from './types'
import { errorText, studio, unwrap } from './studio-api'

export interface ModelsSlice {
  models: ModelInfo[]
  modelsLoaded: boolean
  modelsError: string | null
  /** Why the last folder the user picked was refused; null after a success or a cancel. */
  addModelError: string | null
  loadModels: () => Promise<void>
  /** Opens main's folder dialog; a valid package is listed and selected, a bad one refused with the reason. */
  addModel: () => Promise<ModelInfo | null>
}

export const createModelsSlice: SliceCreator<ModelsSlice> = (set, get) => ({
  models: [],
  modelsLoaded: false,
  modelsError: null,
  addModelError: null,

  loadModels: async () => {
    try {
      const models = await unwrap(studio().listModels())
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
    try {
      const model = await unwrap(studio().addModel())
      if (!model) {
        set({ addModelError: null })
        return null
      }
      set((s) => ({ models: [...s.models.filter((m) => m.id !== model.id), model], addModelError: null }))
      get().selectModel(model.id)
      return model
    } catch (e) {
      set({ addModelError: errorText(e) })
      return null
    }
  }
})

/** Embedded image models first, the largest of them first: what a new user should see selected. */
export function preferredModel(models: readonly ModelInfo[]): ModelInfo {
  const rank = (m: ModelInfo): number => (m.embedded ? 0 : 2) + (m.kind === 'image' ? 0 : 1)
  return [...models].sort((a, b) => rank(a) - rank(b) || b.sizeBytes - a.sizeBytes)[0]
}

export const selectedModel = (
  s: Pick<ModelsSlice, 'models'> & { form: { modelId: string | null } }
): ModelInfo | null => s.models.find((m) => m.id === s.form.modelId) ?? null
