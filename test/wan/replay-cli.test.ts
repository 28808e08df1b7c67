import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'

const WAN = join(__dirname, '../fixtures/diffusers')

describe('studio replay of Wan goldens (whole graphs)', () => {
  it('wan2.2-tiny dynamo pipeline_4steps: latents, frames, token ids, embeddings, schedule and experts', async () => {
    const r = await studio(
      'replay',
      join(WAN, 'wan2.2-tiny/golden/pipeline_4steps'),
      '--model',
      join(WAN, 'wan2.2-tiny/onnx-dynamo'),
      '--provider',
      'cpu'
    )
    expect(r.err).toEqual([])
    expect(r.code).toBe(0)
    const out = r.out.join('\n')
    const m = /pipeline_4steps: final latents max \|Δ\| ([0-9.e+-]+), frames ([0-9.e+-]+)/.exec(out)
    expect(m).not.toBeNull()
    expect(Number(m?.[1])).toBeLessThan(1e-4)
    expect(Number(m?.[2])).toBeLessThan(1e-3)
    expect(out).toMatch(/token ids and masks: the tokenizer gives the golden's/)
    expect(out).toMatch(/experts per step: the golden's/)
    expect(out).toMatch(/schedule: sigmas max \|Δ\| 0\.00e\+0/)
  })

  it('--json on the TorchScript export (no VAE graph): one run, frames not compared, and the note saying so', async () => {
    const r = await studio(
      'replay',
      join(WAN, 'wan2.1-tiny/golden/pipeline_4steps'),
      '--model',
      join(WAN, 'wan2.1-tiny/onnx'),
      '--json',
      '--provider',
      'cpu'
    )
    expect(r.code).toBe(0)
    const json = JSON.parse(r.out.join('\n')) as {
      runs: { name: string; latentMaxAbsDiff: number; imageMaxAbsDiff: number | null }[]
      checks: { notes: string[] }
    }
    expect(json.runs.map((x) => x.name)).toEqual(['pipeline_4steps'])
    expect(json.runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
    expect(json.runs[0].imageMaxAbsDiff).toBeNull()
    expect(json.checks.notes).toContain('frames not compared: the folder has no vae_decoder/model.onnx')
  })

  it('cached runs on whole graphs are refused: they have no blocks to cache', async () => {
    const r = await studio(
      'replay',
      join(WAN, 'wan2.1-tiny/golden/dbcache_10steps'),
      '--model',
      join(WAN, 'wan2.1-tiny/onnx'),
      '--provider',
      'cpu'
    )
    expect(r.code).toBe(1)
    expect(r.err.at(-1)).toMatch(/whole graph, which cannot be cached \(import the folder first\)/)
  })
})
