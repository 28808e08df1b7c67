import { app } from 'electron'
import { calibratedAsPreset, calibratedOfModel } from '../../shared/calibrated-presets'
import { calibratedPresetsPath, readCalibratedPresets } from '../engine/calibrated-store'
import { ApiFailure } from '../../shared/failure'
import { handleCall } from './handle'
import type { Services } from './services'

/**
 * The presets `studio calibrate` saved for a model, for the preset picker: read from the model's
 * own folder (a user model) or the user-data folder (an embedded one), where the CLI writes them
 * (src/main/engine/calibrated-store.ts), validated, this model's only, newest first.
 */
export function registerCalibratedHandlers({ engine, settings }: Services): void {
  handleCall('listCalibratedPresets', async ({ modelId }) => {
    // A remote engine's model: the server's presets for it (none if it keeps none), never this machine's.
    const remote = engine.remote?.()
    if (remote) return remote.calibratedPresets(modelId)
    const models = await engine.request('listModels', { extraModelDirs: settings.get().extraModelDirs })
    const model = models.find((m) => m.id === modelId)
    if (!model) throw new ApiFailure('not_found', `listCalibratedPresets: no model "${modelId}"`)
    const path = calibratedPresetsPath(model.path, model.embedded, app.getPath('userData'))
    const file = await readCalibratedPresets(path)
    const mine = calibratedOfModel(modelId, file?.presets ?? [])
    for (const p of mine) {
      // A preset whose base fields do not resolve (a hand-edited file) is refused with the file named.
      try {
        calibratedAsPreset(p)
      } catch (e) {
        throw new ApiFailure('bad_request', `${path}: preset "${p.label}": ${(e as Error).message}`)
      }
    }
    return mine
  })
}
