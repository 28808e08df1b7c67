import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'
import { replayJson } from '../family-checks'

/** `studio replay sd3-tiny/golden/pipeline_4steps --model <ONNX folder>`: dispatched by family. */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny')
const GOLDEN = join(SD3, 'golden/pipeline_4steps')

describe('studio replay on an SD3 golden', () => {
  it('--json gives one run within 1e-4 (final latents) and 1e-3 (image) of diffusers, TorchScript and dynamo', async () => {
    for (const exportDir of ['onnx', 'onnx-dynamo']) {
      const json = await replayJson<{
        runs: { name: string; latentMaxAbsDiff: number; imageMaxAbsDiff: number }[]
      }>(GOLDEN, join(SD3, exportDir))
      expect(json.runs).toHaveLength(1)
      expect(json.runs[0].name).toBe('pipeline_4steps')
      expect(json.runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(json.runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
    }
  })

  it('prints the differences, the token, embedding and schedule checks', async () => {
    const r = await studio('replay', GOLDEN, '--model', join(SD3, 'onnx'), '--provider', 'cpu')
    expect(r.code).toBe(0)
    const text = r.out.join('\n')
    expect(text).toMatch(/pipeline_4steps: final latents max \|Δ\| \d\.\d\de-\d, image \d\.\d\de-\d/)
    expect(text).toContain("token ids: the tokenizers give the golden's")
    expect(text).toMatch(/prompt embeddings: max \|Δ\| \d\.\d\de-\d/)
    expect(text).toMatch(/schedule: sigmas max \|Δ\| 0\.00e\+0/)
  })

  it('refuses a FLUX folder as the model of an SD3 golden by name', async () => {
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
