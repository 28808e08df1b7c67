import { dialog } from 'electron'
import { handleCall } from './handle'
import type { Services } from './services'

/** The gallery: list, open, delete (to the trash) and restore, export to a folder the user picks. */
export function registerGalleryHandlers({ gallery, window }: Services): void {
  handleCall('listGallery', async () => (await gallery()).list())
  handleCall('getGalleryEntry', async ({ id }) => (await gallery()).get(id))
  handleCall('deleteGalleryEntry', async ({ id }) => (await gallery()).delete(id))
  handleCall('restoreGalleryEntry', async ({ id }) => (await gallery()).restore(id))
  handleCall('exportGalleryEntry', async ({ id }) => {
    const options = {
      title: 'Export to folder',
      properties: ['openDirectory' as const, 'createDirectory' as const]
    }
    const parent = window()
    const choice = parent
      ? await dialog.showOpenDialog(parent, options)
      : await dialog.showOpenDialog(options)
    const dir = choice.canceled ? undefined : choice.filePaths[0]
    if (!dir) return null
    return { path: await (await gallery()).exportTo(id, dir) }
  })
}
