import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeOutputs } from '../../src/cli/outputs'
import { probeVideo } from './probe'
import { videoOutput } from './video-output'

let dir: string
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'studio-video-out-'))))
afterEach(() => rm(dir, { recursive: true, force: true }))

const names = (paths: string[]) => paths.map((p) => p.slice(dir.length + 1))
const frames = (stem: string) => [0, 1, 2].map((f) => `${stem}-frame-00${f}.png`)

describe('studio generate output paths for a video', () => {
  it('a folder gets <model>-<seed>.webm, its frames, the GIF preview and the trace', async () => {
    const written = await writeOutputs(await videoOutput(), dir)
    const stem = 'shapes-wan-tiny-1'
    expect(names(written)).toEqual([
      ...frames(stem),
      `${stem}.webm`,
      `${stem}-video.gif`,
      `${stem}.webm.json`
    ])
    expect((await probeVideo(await readFile(join(dir, `${stem}.webm`)))).frames).toBe(3)
  })

  it('--out clip.webm names the video; the rest goes beside it, and nothing is left half-written', async () => {
    const written = await writeOutputs(await videoOutput(), join(dir, 'clip.webm'))
    expect(names(written)).toEqual([...frames('clip'), 'clip.webm', 'clip-video.gif', 'clip.webm.json'])
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('--out clip.gif (as before videos had a WebM) still gets the GIF there, the WebM beside it', async () => {
    const written = await writeOutputs(await videoOutput(), join(dir, 'clip.gif'))
    expect(names(written)).toEqual([...frames('clip'), 'clip.webm', 'clip.gif', 'clip.webm.json'])
    expect(Buffer.from((await readFile(join(dir, 'clip.gif'))).subarray(0, 6)).toString('latin1')).toBe(
      'GIF89a'
    )
  })
})
