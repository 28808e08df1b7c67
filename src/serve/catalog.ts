import { listModels, type ModelDirs } from '../main/engine/model/registry'
import type { ModelInfo } from '../shared/manifest'

/**
 * The models a server offers, by id (never by path: a client must not make the server open a
 * folder of its choosing). The folders are listed again at most every few seconds, so a model
 * added while the server runs shows up, and a burst of requests does not read every manifest.
 */

const REFRESH_MS = 5_000

export class ModelCatalog {
  readonly #dirs: ModelDirs
  #listed: { at: number; models: Promise<ModelInfo[]> } | null = null

  constructor(dirs: ModelDirs) {
    this.#dirs = dirs
  }

  list(): Promise<ModelInfo[]> {
    const now = Date.now()
    if (!this.#listed || now - this.#listed.at > REFRESH_MS) {
      const models = listModels(this.#dirs).then(({ models, problems }) => {
        for (const p of problems) process.stderr.write(`studio serve: model skipped: ${p}\n`)
        return models
      })
      this.#listed = { at: now, models }
      // A failed listing is not kept: the next call tries again.
      models.catch(() => {
        if (this.#listed?.models === models) this.#listed = null
      })
    }
    return this.#listed.models
  }

  async get(id: string): Promise<ModelInfo | undefined> {
    return (await this.list()).find((m) => m.id === id)
  }

  /** The model a request without `model` gets: `preferred`, else the first image model listed. */
  async defaultImageModel(preferred?: string): Promise<ModelInfo | undefined> {
    const models = await this.list()
    if (preferred !== undefined) return models.find((m) => m.id === preferred)
    return models.find((m) => m.kind === 'image')
  }
}
