import { dialog, type BrowserWindow } from 'electron'

/**
 * Asks the user for a folder (Add model, Export): a sheet on the window when there is one, a
 * free-standing dialog otherwise. Resolves to the folder, or null when the user cancelled.
 */
export async function pickFolder(
  parent: BrowserWindow | undefined,
  title: string,
  options: { mayCreate?: boolean } = {}
): Promise<string | null> {
  const properties: ('openDirectory' | 'createDirectory')[] = options.mayCreate
    ? ['openDirectory', 'createDirectory']
    : ['openDirectory']
  const request = { title, properties }
  const choice = parent ? await dialog.showOpenDialog(parent, request) : await dialog.showOpenDialog(request)
  return choice.canceled ? null : (choice.filePaths[0] ?? null)
}
