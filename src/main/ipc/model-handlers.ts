import { dialog } from 'electron'
import { handleCall } from './handle'
import type { Services } from './services'

/** Embedded and added models; adding one asks for its folder and checks it before keeping it. */
export function registerModelHandlers({ engine, settings, window }: Services): void {
  handleCall('listModels', () =>
    engine.request('listModels', { extraModelDirs: settings.get().extraModelDirs })
  )
  handleCall('addModel', async () => {
    const options = { title: 'Add a model folder', properties: ['openDirectory' as const] }
    const parent = window()
    const choice = parent
      ? await dialog.showOpenDialog(parent, options)
      : await dialog.showOpenDialog(options)
    const dir = choice.canceled ? undefined : choice.filePaths[0]
    if (!dir) return null
    const info = await engine.request('inspectModel', { path: dir }) // throws model_invalid with the reason
    const dirs = settings.get().extraModelDirs
    if (!dirs.includes(info.path)) await settings.set({ extraModelDirs: [...dirs, info.path] })
    return info
  })
}
