import { unwrap } from '../../../../shared/failure'
import type { NoticesSlice, SliceCreator } from './types'

export const createNoticesSlice: SliceCreator<NoticesSlice> = (set, get) => ({
  notices: [],
  dismissedNotices: [],

  loadNotices: async () => {
    try {
      const all = await unwrap(window.studio.listNotices())
      set({ notices: all.filter((line) => !get().dismissedNotices.includes(line)) })
    } catch {
      // Notices are extra information: the call failing leaves the ones shown as they are.
    }
  },

  dismissNotice: (line) =>
    set((s) => ({
      notices: s.notices.filter((n) => n !== line),
      dismissedNotices: [...s.dismissedNotices, line]
    }))
})
