import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'

/** `studio replay qwen-image-tiny/golden/transformer --model <Qwen ONNX folder>`: dispatched by its mask input. */

const QWEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny')
const GOLDEN = join(QWEN, 'golden/transformer')

describe('studio replay on the Qwen-Image transformer golden', () => {
  it('--json gives both calls within 1e-4 of diffusers on the TorchScript and dynamo exports', async () => {
    for (const e of ['onnx', 'onnx-dynamo']) {
      const r = await studio('replay', GOLDEN, '--model', join(QWEN, e), '--json', '--provider', 'cpu')
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      const json = JSON.parse(r.out.join('\n')) as { calls: { name: string; outputMaxAbsDiff: number }[] }
      expect(json.calls.map((c) => c.name)).toEqual(['input', 'input_b2'])
      for (const c of json.calls) expect(c.outputMaxAbsDiff).toBeLessThan(1e-4)
    }
  })

  it('says the model needs precomputed prompt embeddings and prints each call', async () => {
    const r = await studio('replay', GOLDEN, '--model', join(QWEN, 'onnx'), '--provider', 'cpu')
    expect(r.code).toBe(0)
    const text = r.out.join('\n')
    expect(text).toContain('needs precomputed prompt embeddings (no text encoder graph)')
    expect(text).toMatch(/transformer\/input_b2: output max \|Δ\| \d\.\d\de-\d/)
  })

  it('refuses an SD3 folder as the model of a Qwen golden by name', async () => {
    const r = await studio(
      'replay',
      GOLDEN,
      '--model',
      join(__dirname, '../fixtures/diffusers/sd3-tiny/onnx'),
      '--provider',
      'cpu'
    )
    expect(r.code).not.toBe(0)
    expect(r.err.join('\n')).toMatch(/QwenImageTransformer2DModel/)
  })
})
