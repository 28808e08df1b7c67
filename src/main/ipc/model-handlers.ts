import { app } from 'electron'
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelInfo } from '../../shared/manifest'
import { MODEL_INDEX_FILE } from '../../shared/model-import'
import { ApiFailure } from '../../shared/failure'
import { handleCall, sendEvent } from './handle'
import { pickFolder } from './pick-folder'
import type { Services } from './services'

/**
 * Embedded and added models. Adding one asks for its folder: our own package (model.json) is
 * checked and kept where it is; an ONNX diffusers folder (model_index.json) is imported by the
 * engine into the app's models folder, its progress pushed to the page, and that package kept.
 * An import is cancelled by the job id the renderer gave it, as generate is (generate-handlers.ts).
 */
export function registerModelHandlers(services: Services): void {
  const { engine, settings, window } = services
  const modelsDir = (): string => services.modelsDir?.() ?? join(app.getPath('userData'), 'models')
  const jobs = new Map<string, AbortController>()

  handleCall('listModels', () =>
    engine.request('listModels', { extraModelDirs: settings.get().extraModelDirs })
  )
  handleCall('addModel', async ({ jobId }) => {
    if (jobs.has(jobId)) throw new ApiFailure('bad_request', `addModel: job ${jobId} is already running`)
    const controller = new AbortController()
    jobs.set(jobId, controller)
    try {
      const dir = await pickFolder(window(), 'Add a model folder')
      if (!dir) return null
      const info = (await isDiffusersFolder(dir))
        ? await importFolder(dir, controller.signal)
        : await engine.request('inspectModel', { path: dir }) // throws model_invalid with the reason
      const dirs = settings.get().extraModelDirs
      if (!dirs.includes(info.path)) await settings.set({ extraModelDirs: [...dirs, info.path] })
      return info
    } finally {
      jobs.delete(jobId)
    }
  })

  handleCall('cancelAddModel', ({ jobId }) => {
    const job = jobs.get(jobId)
    job?.abort()
    return { cancelled: job !== undefined }
  })

  // The engine refuses a broken folder with one line naming the file (EngineFailure), and keeps
  // serving; a folder imported before answers the package made then (its last progress line says
  // so). A cancel ends the import with `cancelled`; the engine removes the partial package.
  async function importFolder(folder: string, signal: AbortSignal): Promise<ModelInfo> {
    const { model } = await engine.importModel(
      { folder, modelsDir: modelsDir() },
      (event) => sendEvent(window()?.webContents, 'addModelProgress', { folder, ...event }),
      signal
    )
    return model
  }
}

/**
 * A diffusers pipeline folder: model_index.json, or a transformer-only export (transformer/config.json:
 * the Qwen-Image fixture, recognised by its transformer class, import/families/types.ts), and no
 * model.json (a package of ours that also holds one is still ours). Only the names are looked at
 * here; the engine reads the files.
 */
async function isDiffusersFolder(dir: string): Promise<boolean> {
  const exists = async (file: string): Promise<boolean> =>
    lstat(join(dir, file)).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return false
        throw new ApiFailure('io', `${join(dir, file)}: cannot be read (${e.code ?? e.message})`)
      }
    )
  if (await exists('model.json')) return false
  return (await exists(MODEL_INDEX_FILE)) || (await exists('transformer/config.json'))
}
