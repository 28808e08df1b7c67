import { app } from 'electron'
import { join } from 'node:path'
import importThreadPath from './engine/app-import/import-thread?modulePath'
import threadPath from './engine/thread/entry?modulePath'
import workerPath from './engine/worker?modulePath'
import { engineArgs } from '../shared/engine-options'
import { EngineHost } from './engine-host/engine-host'
import { UtilityProcessSpawner } from './engine-host/utility-spawner'
import type { SettingsStore } from './settings/settings-store'

/** Embedded models: beside the app when packaged (extraResources), in the repo in development. */
export function embeddedModelsDir(): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'models')
    : join(app.getAppPath(), 'resources', 'models')
}

/** The engine supervisor for the app: the bundled worker in a utility process, options from settings. */
export function createEngineHost(settings: SettingsStore): EngineHost {
  const spawner = new UtilityProcessSpawner(workerPath, () => {
    const { provider, threads } = settings.get()
    return engineArgs({
      modelDirs: { embedded: [embeddedModelsDir()] },
      thread: { url: threadPath },
      importThread: { url: importThreadPath },
      defaultProvider: provider,
      tuning: { intraOpThreads: threads }
    })
  })
  return new EngineHost(spawner)
}
