import { afterEach, describe, expect, it, vi } from 'vitest'
import { readEngineArgs } from '../../src/shared/engine-options'
import type { Settings } from '../../src/shared/settings'
import type { SettingsStore } from '../../src/main/settings/settings-store'

/**
 * The app's engine worker is started with the settings of the moment (read at each spawn), but a
 * request's `auto` provider is resolved by main alone, with the setting when it is sent
 * (ipc/generate-handlers.ts): the worker gets no default provider to put in its place.
 */
afterEach(() => {
  vi.resetModules()
  vi.doUnmock('electron')
  vi.doUnmock('../../src/main/engine-host/utility-spawner')
})

/** The argv the app's spawner would give the worker at its next spawn, under `settings`. */
async function workerArgs(settings: Partial<Settings>): Promise<string[]> {
  vi.doMock('electron', () => ({ app: { isPackaged: false, getAppPath: () => '/app' } }))
  // The bundle's built files (electron-vite's ?modulePath), here only names.
  vi.doMock('../../src/main/engine/worker?modulePath', () => ({ default: '/out/worker.js' }))
  vi.doMock('../../src/main/engine/thread/entry?modulePath', () => ({ default: '/out/entry.js' }))
  vi.doMock('../../src/main/engine/app-import/import-thread?modulePath', () => ({
    default: '/out/import-thread.js'
  }))
  const spawners: { args: () => string[] }[] = []
  vi.doMock('../../src/main/engine-host/utility-spawner', () => ({
    UtilityProcessSpawner: class {
      constructor(
        readonly workerPath: string,
        readonly args: () => string[]
      ) {
        spawners.push(this)
      }
    }
  }))
  const { createEngineHost } = await import('../../src/main/engine-setup')
  createEngineHost({ get: () => settings } as unknown as SettingsStore)
  expect(spawners).toHaveLength(1)
  return spawners[0].args()
}

describe("the app's engine worker options", () => {
  it('carry the threads setting and no default provider, whatever the provider setting is', async () => {
    for (const provider of ['cpu', 'cuda', 'auto'] as const) {
      const options = readEngineArgs(await workerArgs({ provider, threads: 3 }))
      expect(options.tuning).toEqual({ intraOpThreads: 3 })
      expect(options).not.toHaveProperty('defaultProvider')
      expect(options.modelDirs.embedded).toEqual(['/app/resources/models'])
      expect(options.thread.url).toBe('/out/entry.js')
      vi.resetModules()
    }
  })
})
