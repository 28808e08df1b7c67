import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'
import { replayJson } from '../family-checks'

/** `studio replay pixart-sigma-tiny/golden/pipeline_4steps --model <ONNX folder>`: dispatched by family. */

const PIXART = join(__dirname, '../fixtures/diffusers/pixart-sigma-tiny')
const GOLDEN = join(PIXART, 'golden/pipeline_4steps')

describe('studio replay on a PixArt-Σ golden', () => {
  it('--json gives one run within 1e-3 of diffusers (latents and image)', async () => {
    const json = await replayJson<{
      runs: { name: string; latentMaxAbsDiff: number; imageMaxAbsDiff: number }[]
    }>(GOLDEN, join(PIXART, 'onnx-dynamo'))
    expect(json.runs).toHaveLength(1)
    expect(json.runs[0].name).toBe('pipeline_4steps')
    expect(json.runs[0].latentMaxAbsDiff).toBeLessThan(1e-3)
    expect(json.runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
  })

  it('prints the differences, the token check and the schedule check', async () => {
    const r = await studio('replay', GOLDEN, '--model', join(PIXART, 'onnx'), '--provider', 'cpu')
    expect(r.code).toBe(0)
    const text = r.out.join('\n')
    expect(text).toMatch(/pipeline_4steps: final latents max \|Δ\| \d\.\d\de-\d, image \d\.\d\de-\d/)
    expect(text).toContain("token ids and masks: the tokenizer gives the golden's")
    expect(text).toMatch(/schedule: sigmas max \|Δ\| /)
  })

  it('refuses a FLUX folder as the model of a PixArt golden by name', async () => {
    const r = await studio(
      'replay',
      GOLDEN,
      '--model',
      join(__dirname, '../fixtures/diffusers/flux-tiny/onnx'),
      '--provider',
      'cpu'
    )
    expect(r.code).not.toBe(0)
    expect(r.err.join('\n')).toMatch(/model_index\.json.*_class_name/)
  })
})
