import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { entryFrames } from '../../src/main/gallery/frames'
import { GalleryStore } from '../../src/main/gallery/gallery-store'
import { probeVideo } from './probe'
import { videoOutput } from './video-output'

let root: string
let store: GalleryStore
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'studio-gallery-video-'))
  store = new GalleryStore(root)
  await store.open()
})
afterEach(() => rm(root, { recursive: true, force: true }))

describe('gallery video entries', () => {
  it('keep the WebM in the entry folder beside the frames and the GIF, and read it back after a restart', async () => {
    const output = await videoOutput()
    const saved = await store.save(output)
    expect(saved.files.map((f) => f.name)).toEqual([
      'frame-000.png',
      'frame-001.png',
      'frame-002.png',
      'video.webm',
      'video.gif'
    ])
    expect((await readdir(join(store.entriesDir, saved.id))).sort()).toEqual([
      'entry.json',
      'frame-000.png',
      'frame-001.png',
      'frame-002.png',
      'summary.json',
      'trace.json',
      'video.gif',
      'video.webm'
    ])
    const reopened = new GalleryStore(root)
    await reopened.open()
    const entry = await reopened.get(saved.id)
    const webm = entry.files.find((f) => f.name === 'video.webm')
    expect(webm?.mime).toBe('video/webm')
    expect(Buffer.from(webm!.bytes).equals(Buffer.from(output.files[3].bytes))).toBe(true)
    expect(await probeVideo(webm!.bytes)).toMatchObject({ format: 'WebM', width: 16, height: 8, frames: 3 })
    expect(entryFrames(entry)).toEqual(output.pixels) // the frames stay exact, for metrics
  })

  it('still read an entry saved before videos had a WebM (frames and GIF only)', async () => {
    const output = await videoOutput()
    const saved = await store.save({ ...output, files: output.files.filter((f) => f.name !== 'video.webm') })
    const entry = await store.get(saved.id)
    expect(entry.files.map((f) => f.mime)).toEqual(['image/png', 'image/png', 'image/png', 'image/gif'])
  })

  it('EXPECTED FAILURE - a video.webm that is a symlink out of the folder is refused, not served', async () => {
    const saved = await store.save(await videoOutput())
    const outside = join(root, 'elsewhere.webm')
    await writeFile(outside, 'not the studio’s')
    await rm(join(store.entriesDir, saved.id, 'video.webm'))
    await symlink(outside, join(store.entriesDir, saved.id, 'video.webm'))
    await expect(store.get(saved.id)).rejects.toThrow(/is corrupt: video\.webm is a symbolic link/)
    expect(await readFile(outside, 'utf8')).toBe('not the studio’s')
  })
})
