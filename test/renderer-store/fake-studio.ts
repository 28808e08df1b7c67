import { vi } from 'vitest'
import { create } from 'zustand'
import type {
  ApiErrorCode,
  ApiResult,
  StudioApi,
  StudioCalls,
  StudioEvent,
  StudioEvents
} from '../../src/shared/api'
import type { CalibratedPreset } from '../../src/shared/calibrated-presets'
import { resolveCacheConfig } from '../../src/shared/presets'
import type { GalleryEntry, GalleryEntryMeta } from '../../src/shared/gallery'
import type { GenerateRequestInput, PromptTokens, Recipe, Timings } from '../../src/shared/generation'
import type { ModelInfo } from '../../src/shared/manifest'
import { DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings'
import { createStudioSlices, type StudioSlices } from '../../src/renderer/src/store/slices'

/**
 * An in-memory `window.studio` for store tests: records every call, keeps a gallery, and lets a
 * test decide how a generate ends. The e2e tests use the real engine; these test the store's logic.
 */
export function fakeModel(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: 'tiny-image',
    name: 'Tiny image',
    kind: 'image',
    description: '',
    path: '/models/tiny-image',
    embedded: true,
    output: { width: 32, height: 32, frames: 1 },
    transformers: [
      {
        name: 'main',
        timestepRange: [0, 1],
        blockLists: [{ name: 'blocks', pattern: 'Pattern_0', blocks: 12 }]
      }
    ],
    defaults: { steps: 12, guidanceScale: 3, separateCfg: true, negativePrompt: '' },
    examples: ['a red circle at the center on a blue background'],
    sizeBytes: 1234,
    ...over
  }
}

export function recipeOf(req: GenerateRequestInput, model = fakeModel()): Recipe {
  const preset = req.cache?.preset ?? 'none'
  return {
    model: req.model,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt: req.negativePrompt ?? '',
    seed: req.seed,
    steps: req.steps ?? model.defaults.steps,
    guidanceScale: req.guidanceScale ?? model.defaults.guidanceScale,
    separateCfg: req.separateCfg ?? model.defaults.separateCfg,
    preset,
    cache: resolveCacheConfig(preset, req.cache?.overrides ?? {}),
    provider: 'cpu',
    engineVersion: '0.1.0'
  }
}

export function fakeEntry(
  id: string,
  recipe: Recipe,
  totalMs: number,
  createdAt = new Date().toISOString(),
  timings: Partial<Timings> = {}
): GalleryEntry {
  return {
    id,
    createdAt,
    kind: 'image',
    width: 32,
    height: 32,
    frames: 1,
    recipe,
    timings: {
      totalMs,
      prepareMs: 0,
      denoiseMs: totalMs - 10,
      previewMs: 0,
      perStepMs: [],
      encodeMs: 5,
      decodeMs: 5,
      ...timings
    },
    files: [{ name: 'image.png', mime: 'image/png', bytes: new Uint8Array([1, 2, 3]) }],
    trace: [],
    summary: { contexts: [], blocksRun: 0, blocksTotal: 0, theoreticalBlockSpeedup: 1 }
  }
}

type Outcome = { ok: true; totalMs: number } | { ok: false; code: ApiErrorCode; message: string }

export class FakeStudio {
  readonly calls: { name: string; args: unknown[] }[] = []
  models: ModelInfo[] = [fakeModel()]
  gallery: GalleryEntry[] = []
  trash: GalleryEntry[] = []
  settings: Settings = { ...DEFAULT_SETTINGS }
  addModelAnswer: ApiResult<ModelInfo | null> = { ok: true, value: null }
  /** What listCalibratedPresets answers per model id (none by default); a string is an error. */
  calibrated: Record<string, CalibratedPreset[] | string> = {}
  /** How countTokens answers (a string is an error); default: a word-per-token count, limit 16. */
  countTokens: (text: string) => PromptTokens | string = (text) => {
    const words = text.split(/\s+/).filter(Boolean)
    return {
      count: words.length,
      maxLength: 16,
      kept: words.slice(0, 16).join(' '),
      dropped: words.slice(16).join(' '),
      unknown: []
    }
  }
  /** How the next generates end; default: success in 100 ms. */
  outcomes: Outcome[] = []
  /** Resolves a pending generate by hand when set: lets a test look at the store mid-run. */
  hold: Promise<void> | null = null
  #next = 1
  readonly #listeners = new Map<StudioEvent, Set<(payload: never) => void>>()

  /** Sends an event as main does (webContents.send, then the preload calls each listener). */
  emit<E extends StudioEvent>(event: E, payload: StudioEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? [])
      (listener as (p: StudioEvents[E]) => void)(payload)
  }

  /** How many listeners the page has on an event now. */
  listening(event: StudioEvent): number {
    return this.#listeners.get(event)?.size ?? 0
  }

  api(): StudioApi {
    const ok = <T>(value: T): Promise<ApiResult<T>> => Promise.resolve({ ok: true, value })
    const rec = (name: string, args: unknown[]): void => void this.calls.push({ name, args })
    const metaOf = ({ trace: _t, summary: _s, files, ...m }: GalleryEntry): GalleryEntryMeta => ({
      ...m,
      files: files.map(({ name, mime }) => ({ name, mime }))
    })
    const api: Partial<StudioApi> = {
      on: (event, listener) => {
        const listeners = this.#listeners.get(event) ?? new Set()
        this.#listeners.set(event, listeners.add(listener))
        return () => void listeners.delete(listener)
      },
      listModels: () => (rec('listModels', []), ok(this.models)),
      addModel: (job) => (rec('addModel', [job]), Promise.resolve(this.addModelAnswer)),
      // The fake's addModel has always answered by the time the page can ask: nothing to cancel.
      cancelAddModel: (job) => (rec('cancelAddModel', [job]), ok({ cancelled: false })),
      countTokens: ({ model, text }) => {
        rec('countTokens', [model, text])
        const answer = this.countTokens(text)
        return Promise.resolve(
          typeof answer === 'string'
            ? { ok: false, error: { code: 'model_invalid', message: answer } }
            : { ok: true, value: answer }
        )
      },
      listCalibratedPresets: ({ modelId }) => {
        rec('listCalibratedPresets', [modelId])
        const answer = this.calibrated[modelId] ?? []
        return Promise.resolve(
          typeof answer === 'string'
            ? { ok: false, error: { code: 'bad_request', message: answer } }
            : { ok: true, value: answer }
        )
      },
      listGallery: () => (rec('listGallery', []), ok(this.gallery.map(metaOf))),
      getGalleryEntry: ({ id }) => {
        rec('getGalleryEntry', [id])
        const e = this.gallery.find((g) => g.id === id)
        return Promise.resolve(
          e ? { ok: true, value: e } : { ok: false, error: { code: 'not_found', message: `no entry ${id}` } }
        )
      },
      deleteGalleryEntry: ({ id }) => {
        rec('deleteGalleryEntry', [id])
        this.trash.push(...this.gallery.filter((g) => g.id === id))
        this.gallery = this.gallery.filter((g) => g.id !== id)
        return ok({ id })
      },
      restoreGalleryEntry: ({ id }) => {
        rec('restoreGalleryEntry', [id])
        const e = this.trash.find((g) => g.id === id)!
        this.gallery.push(e)
        return ok(metaOf(e))
      },
      generate: async (call) => {
        rec('generate', [call])
        if (this.hold) await this.hold
        const outcome = this.outcomes.shift() ?? { ok: true, totalMs: 100 }
        if (!outcome.ok) return { ok: false, error: { code: outcome.code, message: outcome.message } }
        const entry = fakeEntry(`e-${this.#next++}`, recipeOf(call.request), outcome.totalMs)
        this.gallery.unshift(entry)
        return ok<StudioCalls['generate']['return']>({ ...entry, entryId: entry.id })
      },
      cancelGenerate: (job) => (rec('cancelGenerate', [job]), ok({ cancelled: true })),
      compare: (pair) => (
        rec('compare', [pair]),
        ok({
          psnr: 31.5,
          ssim: 0.97,
          perFrame: [{ psnr: 31.5, ssim: 0.97 }],
          heatmap: new Uint8Array(32 * 32 * 4),
          heatmapMax: 12
        })
      ),
      getSettings: () => ok(this.settings),
      listProviders: () => ok(['cpu']),
      setSettings: (patch) => {
        rec('setSettings', [patch])
        this.settings = { ...this.settings, ...patch }
        return ok(this.settings)
      }
    }
    return api as StudioApi
  }

  called(name: string): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args)
  }
}

/** A fresh store of the studio slices with `fake` as window.studio. */
export function storeWith(fake: FakeStudio) {
  vi.stubGlobal('window', { studio: fake.api() })
  return create<StudioSlices>()((...a) => createStudioSlices(...a))
}
