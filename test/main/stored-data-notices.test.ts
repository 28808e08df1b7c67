import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Settings } from '../../src/shared/settings'
import { GalleryFolders } from '../../src/main/gallery/gallery-folders'
import { registerSettingsHandlers } from '../../src/main/ipc/settings-handlers'
import type { Services } from '../../src/main/ipc/services'
import { trustRenderer } from '../../src/main/security/trusted-url'
import { SettingsStore } from '../../src/main/settings/settings-store'
import { ipcCall as call, APP_URL } from './electron-mock'
import { galleryOutput } from './gallery-output'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-notices-'))
  trustRenderer(new URL(APP_URL))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** The settings handlers over a real settings file and real gallery folders, as index.ts wires them. */
async function wire(): Promise<{ settings: SettingsStore; folders: GalleryFolders; restart: () => void }> {
  const settings = new SettingsStore(dir)
  await settings.load()
  const folders = new GalleryFolders()
  const restart = vi.fn()
  const services = {
    settings,
    engine: { restart } as unknown as Services['engine'],
    window: () => undefined,
    gallery: (outputDir?: string) => folders.at(outputDir ?? settings.get().outputDir ?? join(dir, 'gallery'))
  } satisfies Services
  registerSettingsHandlers(services)
  return { settings, folders, restart }
}

describe('settings changes', () => {
  it('two changes sent together are both kept, in memory and on disk', async () => {
    const store = new SettingsStore(dir)
    await store.load()
    await Promise.all([store.set({ threads: 3 }), store.set({ provider: 'cpu' })])
    expect(store.get()).toMatchObject({ threads: 3, provider: 'cpu' })
    expect(await new SettingsStore(dir).load()).toMatchObject({ threads: 3, provider: 'cpu' })
  })

  it('two setSettings calls sent together through IPC are both kept', async () => {
    await wire()
    await Promise.all([call('setSettings', { threads: 2 }), call('setSettings', { provider: 'cpu' })])
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toMatchObject({
      threads: 2,
      provider: 'cpu'
    })
  })

  it("removes the atomic writer's stray temp files at start, and only those", async () => {
    const stray = '.settings.json.0123456789ab.tmp'
    const others = [
      '.settings.json.backup.tmp',
      'settings.json.0123456789ab.tmp',
      '.other.json.0123456789ab.tmp'
    ]
    for (const name of [stray, ...others]) await writeFile(join(dir, name), 'x')
    await mkdir(join(dir, '.settings.json.aaaaaaaaaaaa.tmp')) // a folder: not one of the writer's files
    await new SettingsStore(dir).load()
    expect((await readdir(dir)).sort()).toEqual([...others, '.settings.json.aaaaaaaaaaaa.tmp'].sort())
  })
})

describe('notices: what main found wrong with stored files is told, and the file kept', () => {
  it('EXPECTED FAILURE - a corrupt settings file is one notice naming it and where it was kept', async () => {
    await writeFile(join(dir, 'settings.json'), '{ "threads": "many" }')
    await wire()
    const reply = await call<string[]>('listNotices')
    expect(reply).toEqual({
      ok: true,
      value: [
        expect.stringMatching(
          /^settings\.json: invalid payload: threads: .*\(kept as .*settings\.json\.invalid-\d+; using defaults\)$/
        )
      ]
    })
    const kept = (await readdir(dir)).find((n) => n.startsWith('settings.json.invalid-'))!
    expect(await readFile(join(dir, kept), 'utf8')).toBe('{ "threads": "many" }')
  })

  it('EXPECTED FAILURE - a corrupt gallery entry is a notice, and getGalleryEntry fails as corrupt, not internal', async () => {
    const { folders } = await wire()
    const gallery = await folders.at(join(dir, 'gallery'))
    const { id } = await gallery.save(galleryOutput('x'))
    await writeFile(join(gallery.entriesDir, id, 'summary.json'), '[]')
    const e = await gallery.get(id).catch((err: { code: string }) => err)
    expect(e).toMatchObject({ code: 'corrupt' })
    const reply = await call<string[]>('listNotices')
    expect(reply.ok && reply.value).toEqual([
      expect.stringMatching(new RegExp(`^gallery: entry ${id} is corrupt: summary.json: invalid payload: `))
    ])
  })

  it('EXPECTED FAILURE - an output folder that is not a gallery is refused by setSettings, naming why, and not saved', async () => {
    await wire()
    const foreign = join(dir, 'photos')
    await mkdir(foreign)
    await writeFile(join(foreign, 'holiday.jpg'), 'mine')
    const reply = await call<Settings>('setSettings', { outputDir: foreign })
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'bad_request',
        message: `gallery: ${foreign} is not empty and is not a Cache Studio gallery (no .cache-studio/gallery.json); choose an empty folder or one the studio made`
      }
    })
    expect(await readdir(foreign)).toEqual(['holiday.jpg'])
    const settings = await call<Settings>('getSettings')
    expect(settings.ok && settings.value.outputDir).toBe(null)

    await rm(join(foreign, 'holiday.jpg')) // emptied: the same folder is taken now, without a restart
    const again = await call<Settings>('setSettings', { outputDir: foreign })
    expect(again.ok && again.value.outputDir).toBe(foreign)
  })

  it('EXPECTED FAILURE - a relative output folder is refused by setSettings', async () => {
    await wire()
    const reply = await call<Settings>('setSettings', { outputDir: 'out' })
    expect(!reply.ok && reply.error.message).toBe(
      'gallery: the output folder must be an absolute path, not "out"'
    )
  })
})
