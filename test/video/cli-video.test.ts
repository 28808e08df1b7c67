import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'
import { probeTags, probeVideo } from './probe'

const tmp = mkdtempSync(join(tmpdir(), 'studio-video-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('studio generate with an embedded video model', () => {
  it('writes a WebM a player opens (8 frames of 32×32 at 8 fps, 1 s), its PNG frames and the GIF preview', async () => {
    const out = join(tmp, 'shapes.webm')
    const r = await studio(
      'generate',
      '--model',
      'shapes-wan-tiny',
      '--prompt',
      'a red circle moving right',
      '--seed',
      '3',
      '--steps',
      '2',
      '--out',
      out
    )
    expect(r.code, r.err.join('\n')).toBe(0)
    const written = r.out.filter((l) => l.startsWith('wrote')).map((l) => l.slice(l.lastIndexOf('/') + 1))
    expect(written).toEqual([
      ...Array.from({ length: 8 }, (_, f) => `shapes-frame-00${f}.png`),
      'shapes.webm',
      'shapes-video.gif',
      'shapes.webm.json'
    ])
    const bytes = readFileSync(out)
    const probe = await probeVideo(bytes)
    expect(probe).toMatchObject({ format: 'WebM', codec: 'vp9', width: 32, height: 32, frames: 8 })
    expect(probe.duration).toBeCloseTo(1, 6)
    // The recipe travels in the file, as it does in each PNG.
    const recipe = JSON.parse(String((await probeTags(bytes))['CACHE-STUDIO-RECIPE'])) as Record<
      string,
      unknown
    >
    expect(recipe).toMatchObject({
      model: 'shapes-wan-tiny',
      seed: 3,
      steps: 2,
      prompt: 'a red circle moving right'
    })
  })
})
