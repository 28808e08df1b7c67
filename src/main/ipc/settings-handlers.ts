import { handleCall } from './handle'
import type { Services } from './services'

/**
 * Settings; a change of threads restarts the engine, since ORT reads it when sessions are made. A
 * new output folder is opened as a gallery before it is saved, so one the studio must refuse (not
 * empty and not a gallery, relative, not writable) is refused here, naming why, and never saved.
 */
export function registerSettingsHandlers({ settings, engine, gallery }: Services): void {
  handleCall('getSettings', () => settings.get())
  handleCall('setSettings', async (patch) => {
    if (typeof patch.outputDir === 'string') await gallery(patch.outputDir)
    const { before, after } = await settings.change(patch)
    if (after.threads !== before.threads) engine.restart()
    return after
  })
  // Problems found in the user's files, recomputed on each call: one fixed is no longer shown.
  handleCall('listNotices', async () => {
    const notices = settings.problem() === null ? [] : [settings.problem()!]
    try {
      notices.push(...(await gallery()).notices())
    } catch (e) {
      notices.push(e instanceof Error ? e.message : String(e))
    }
    return notices
  })
}
