import { dialog } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { pickFolder } from '../../src/main/ipc/pick-folder'
import { electronMock, FakeBrowserWindow } from './electron-mock'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

/** The one folder dialog of Add model and Export. */
describe('pickFolder', () => {
  it('answers null when the user cancels', async () => {
    electronMock.dialogResult = { canceled: true, filePaths: [] }
    expect(await pickFolder(undefined, 'Add a model folder')).toBeNull()
  })

  it('answers the folder picked, on the window when there is one, creating folders only when asked', async () => {
    electronMock.dialogResult = { canceled: false, filePaths: ['/home/me/models/flux'] }
    const window = new FakeBrowserWindow({}) as unknown as Electron.BrowserWindow
    expect(await pickFolder(window, 'Add a model folder')).toBe('/home/me/models/flux')
    expect(dialog.showOpenDialog).toHaveBeenLastCalledWith(window, {
      title: 'Add a model folder',
      properties: ['openDirectory']
    })
    await pickFolder(undefined, 'Export to folder', { mayCreate: true })
    expect(dialog.showOpenDialog).toHaveBeenLastCalledWith({
      title: 'Export to folder',
      properties: ['openDirectory', 'createDirectory']
    })
  })
})
