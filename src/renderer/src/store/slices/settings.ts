import { SettingsPatchSchema } from '../../../../shared/settings'
import { describeIssues } from '../../../../shared/validation'
import { errorText, unwrap } from '../../../../shared/failure'
import type { SettingsSlice, SliceCreator } from './types'

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set) => ({
  settings: null,
  availableProviders: [],
  settingsError: null,
  settingsSavedAt: null,

  loadSettings: async () => {
    try {
      const [settings, availableProviders] = await Promise.all([
        unwrap(window.studio.getSettings()),
        unwrap(window.studio.listProviders())
      ])
      set({ settings, availableProviders, settingsError: null })
    } catch (e) {
      set({ settingsError: errorText(e) })
    }
  },

  saveSettings: async (patch) => {
    const checked = SettingsPatchSchema.safeParse(patch)
    if (!checked.success) {
      set({ settingsError: describeIssues('settings', checked.error) })
      return false
    }
    try {
      const settings = await unwrap(window.studio.setSettings(checked.data))
      set({ settings, settingsError: null, settingsSavedAt: Date.now() })
      return true
    } catch (e) {
      set({ settingsError: errorText(e) })
      return false
    }
  }
})
