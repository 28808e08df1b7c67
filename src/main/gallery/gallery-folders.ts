import { isAbsolute, resolve } from 'node:path'
import { GalleryStore } from './gallery-store'

/**
 * One open gallery per output folder, shared by every call that uses it (two stores on one folder
 * would each take the other's outputs in progress for leftovers). A folder that failed to open is
 * not remembered: the next call tries again, so a folder made writable, or emptied, is taken
 * without a restart.
 */
export class GalleryFolders {
  readonly #open = new Map<string, Promise<GalleryStore>>()

  at(root: string): Promise<GalleryStore> {
    // A relative path is kept as it is, for GalleryStore.open to refuse by name.
    const key = isAbsolute(root) ? resolve(root) : root
    const known = this.#open.get(key)
    if (known) return known
    const opening = (async () => {
      const store = new GalleryStore(key)
      await store.open()
      return store
    })()
    this.#open.set(key, opening)
    opening.catch(() => {
      if (this.#open.get(key) === opening) this.#open.delete(key)
    })
    return opening
  }
}
