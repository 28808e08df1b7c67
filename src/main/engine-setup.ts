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

/**
 * The engine supervisor for the app: the bundled worker in a utility process, options from settings.
 * No default provider: the generate handler puts the provider setting of the moment in place of a
 * request's `auto` (ipc/generate-handlers.ts), the one place the app resolves it; a default fixed
 * at spawn would turn the setting `auto`, chosen later, back into the one the engine started with.
 */
export function createEngineHost(settings: SettingsStore): EngineHost {
  const spawner = new UtilityProcessSpawner(workerPath, () =>
    engineArgs({
      modelDirs: { embedded: [embeddedModelsDir()] },
      thread: { url: threadPath },
      importThread: { url: importThreadPath },
      tuning: { intraOpThreads: settings.get().threads }
    })
  )
  return new EngineHost(spawner)
}
