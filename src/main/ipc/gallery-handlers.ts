import { handleCall } from './handle'
import { pickFolder } from './pick-folder'
import type { Services } from './services'

/** The gallery: list, open, delete (to the trash) and restore, export to a folder the user picks. */
export function registerGalleryHandlers({ gallery, window }: Services): void {
  handleCall('listGallery', async () => (await gallery()).list())
  handleCall('getGalleryEntry', async ({ id }) => (await gallery()).get(id))
  handleCall('deleteGalleryEntry', async ({ id }) => (await gallery()).delete(id))
  handleCall('restoreGalleryEntry', async ({ id }) => (await gallery()).restore(id))
  handleCall('exportGalleryEntry', async ({ id }) => {
    const dir = await pickFolder(window(), 'Export to folder', { mayCreate: true })
    if (!dir) return null
    return { path: await (await gallery()).exportTo(id, dir) }
  })
}
