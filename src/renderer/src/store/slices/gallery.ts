import type { GalleryEntry, GalleryEntryMeta } from '../../../../shared/gallery'
import { errorText, unwrap } from '../../../../shared/failure'
import type { GallerySlice, SliceCreator, StudioSlices } from './types'

export const createGallerySlice: SliceCreator<GallerySlice> = (set, get) => ({
  entries: [],
  loadedEntries: {},
  selectedEntryId: null,
  lastDeleted: null,
  galleryError: null,
  lastExport: null,

  loadGallery: async () => {
    try {
      set({ entries: await unwrap(window.studio.listGallery()), galleryError: null })
    } catch (e) {
      set({ galleryError: errorText(e) })
    }
  },

  selectEntry: async (id) => {
    set({ selectedEntryId: id })
    if (id === null) return
    try {
      await get().fetchEntry(id)
    } catch (e) {
      set({ galleryError: errorText(e) })
      void get().loadNotices() // a corrupt entry was set aside: say so beside the error
    }
  },

  fetchEntry: async (id) => {
    const known = get().loadedEntries[id]
    if (known) return known
    const entry = await unwrap(window.studio.getGalleryEntry({ id }))
    set((s) => ({ loadedEntries: { ...s.loadedEntries, [id]: entry } }))
    return entry
  },

  keepEntry: (entry) => {
    const { files, trace: _trace, summary: _summary, ...meta } = entry
    const listed = { ...meta, files: files.map(({ name, mime }) => ({ name, mime })) }
    set((s) => ({
      entries: insertByDate(s.entries, listed),
      loadedEntries: { ...s.loadedEntries, [entry.id]: entry }
    }))
  },

  deleteEntry: async (id) => {
    const meta = get().entries.find((e) => e.id === id) ?? null
    try {
      await unwrap(window.studio.deleteGalleryEntry({ id }))
      set((s) => ({
        entries: s.entries.filter((e) => e.id !== id),
        lastDeleted: meta,
        selectedEntryId: s.selectedEntryId === id ? null : s.selectedEntryId,
        galleryError: null
      }))
    } catch (e) {
      set({ galleryError: errorText(e) })
    }
  },

  undoDelete: async () => {
    const deleted = get().lastDeleted
    if (!deleted) return
    try {
      const meta = await unwrap(window.studio.restoreGalleryEntry({ id: deleted.id }))
      set((s) => ({ entries: insertByDate(s.entries, meta), lastDeleted: null, galleryError: null }))
    } catch (e) {
      set({ lastDeleted: null, galleryError: errorText(e) })
    }
  },

  exportEntry: async (id) => {
    try {
      const done = await unwrap(window.studio.exportGalleryEntry({ id }))
      if (done) set({ lastExport: done.path, galleryError: null })
    } catch (e) {
      set({ galleryError: errorText(e) })
    }
  }
})

function insertByDate(entries: GalleryEntryMeta[], meta: GalleryEntryMeta): GalleryEntryMeta[] {
  return [...entries.filter((e) => e.id !== meta.id), meta].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt)
  )
}

/** The selected gallery entry, once its files are fetched. */
export const selectedRun = (s: StudioSlices): GalleryEntry | null =>
  s.selectedEntryId ? (s.loadedEntries[s.selectedEntryId] ?? null) : null
