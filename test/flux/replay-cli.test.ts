import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')
const WHOLE = join(FLUX, 'onnx')
const tmp = mkdtempSync(join(tmpdir(), 'replay-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('studio replay', () => {
  it('--json prints exactly {runs: [{name, latentMaxAbsDiff, imageMaxAbsDiff, contexts, reference}]}', async () => {
    const r = await studio(
      'replay',
      join(FLUX, 'golden/pipeline_4steps'),
      '--model',
      WHOLE,
      '--json',
      '--provider',
      'cpu'
    )
    expect(r.err).toEqual([])
    expect(r.code).toBe(0)
    const json = JSON.parse(r.out.join('\n')) as { runs: Record<string, unknown>[] }
    expect(Object.keys(json)).toEqual(['runs'])
    expect(json.runs).toHaveLength(1)
    const [run] = json.runs
    expect(Object.keys(run).sort()).toEqual([
      'contexts',
      'imageMaxAbsDiff',
      'latentMaxAbsDiff',
      'name',
      'reference'
    ])
    expect(run.name).toBe('pipeline_4steps')
    expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
    expect(run.imageMaxAbsDiff).toBeLessThan(1e-4)
    expect(run.reference).toEqual({ contexts: [] })
  })

  it('prints each run with its latent and image difference', async () => {
    const r = await studio(
      'replay',
      join(FLUX, 'golden/pipeline_4steps'),
      '--model',
      WHOLE,
      '--provider',
      'cpu'
    )
    expect(r.code).toBe(0)
    expect(r.out.join('\n')).toMatch(/pipeline_4steps: final latents max \|Δ\| [0-9.e-]+, image [0-9.e-]+/)
    expect(r.out.join('\n')).toMatch(/token ids: the tokenizers give the golden's/)
  })

  it('a golden of a kind no replay knows is refused by name, in one line', async () => {
    // (Wan, SD3 and PixArt-Σ goldens go to their own families' replays: test/wan, test/sd3, test/pixart.)
    const dir = join(tmp, 'unknown-golden')
    mkdirSync(dir)
    const entry = { file: 'x.npy', dtype: 'float32', shape: [1] }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ something: entry, _about: { prompt: 'p' } }))
    const r = await studio('replay', dir, '--model', WHOLE)
    expect(r.code).toBe(1)
    expect(r.err).toEqual([
      `studio replay: ${join(dir, 'manifest.json')}: a golden of a kind replay does not know; replay runs FLUX pipeline goldens (pipeline_4steps, dbcache_10steps) only`
    ])
  })

  it('a folder without manifest.json is a usage error', async () => {
    const r = await studio('replay', tmp, '--model', WHOLE)
    expect(r.code).toBe(2)
    expect(r.err[0]).toMatch(/not a golden folder \(no manifest\.json\)/)
  })

  it('cached runs on a whole transformer graph are refused: it has no blocks to cache', async () => {
    const r = await studio(
      'replay',
      join(FLUX, 'golden/dbcache_10steps'),
      '--model',
      WHOLE,
      '--provider',
      'cpu'
    )
    expect(r.code).toBe(1)
    expect(r.err.at(-1)).toMatch(/whole graph, which cannot be cached \(import the folder first\)/)
  })
})
