import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readQwenPromptEmbeds } from '../../src/main/engine/pipeline/qwen-image/embeds'
import { parseSafetensors } from '../../src/main/engine/pipeline/qwen-image/safetensors'
import { trueCfg } from '../../src/main/engine/pipeline/qwen-image/denoise'
import { tensor } from '../../src/main/engine/tensor'

// Each test's temp folder is removed after it, so runs leave nothing in the temp folder.
const made: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qwen-embeds-'))
  made.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Precomputed prompt embeddings for Qwen-Image: .npy and safetensors files, and true CFG's rescale. */

const GOLDEN = join(__dirname, '../fixtures/diffusers/qwen-image-tiny/golden/transformer')

interface Entry {
  dtype: string
  shape: number[]
  bytes: Uint8Array
}
function safetensors(entries: Record<string, Entry>): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } }
  let offset = 0
  for (const [name, e] of Object.entries(entries)) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] }
    offset += e.bytes.length
  }
  const json = Buffer.from(JSON.stringify(header))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.length))
  return Buffer.concat([len, json, ...Object.values(entries).map((e) => Buffer.from(e.bytes))])
}
const f32 = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer)

describe('Qwen-Image prompt embeddings files', () => {
  it('a .npy of [1, S, D] states: every token attended to', async () => {
    const e = await readQwenPromptEmbeds(join(GOLDEN, 'input.encoder_hidden_states.npy'), 16)
    expect(e.cond.states.dims).toEqual([1, 12, 16])
    expect([...e.cond.mask]).toEqual(new Array(12).fill(1n))
    expect(e.uncond).toBeNull()
  })

  it('a safetensors file with prompt_embeds, its mask and negative embeddings (F16 widened, bool mask)', async () => {
    const dir = tempDir()
    const file = join(dir, 'embeds.safetensors')
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0000]).buffer) // 1, -2, 0.5, 0
    writeFileSync(
      file,
      safetensors({
        prompt_embeds: { dtype: 'F32', shape: [1, 2, 2], bytes: f32([1, 2, 3, 4]) },
        prompt_embeds_mask: {
          dtype: 'I64',
          shape: [1, 2],
          bytes: new Uint8Array(BigInt64Array.of(1n, 0n).buffer)
        },
        negative_prompt_embeds: { dtype: 'F16', shape: [2, 2], bytes: half },
        negative_prompt_embeds_mask: { dtype: 'BOOL', shape: [1, 2], bytes: Uint8Array.of(1, 1) }
      })
    )
    const e = await readQwenPromptEmbeds(file, 2)
    expect([...e.cond.states.data]).toEqual([1, 2, 3, 4])
    expect([...e.cond.mask]).toEqual([1n, 0n])
    expect(e.uncond?.states.dims).toEqual([1, 2, 2])
    expect([...(e.uncond?.states.data ?? [])]).toEqual([1, -2, 0.5, 0])
    expect([...(e.uncond?.mask ?? [])]).toEqual([1n, 1n])
    await expect(readQwenPromptEmbeds(file, 16)).rejects.toThrow(/takes \[1, S, 16\]/)
  })

  it('refuses a safetensors file without prompt_embeds, a byte range that lies, and other file types by name', async () => {
    const dir = tempDir()
    const none = join(dir, 'none.safetensors')
    writeFileSync(none, safetensors({ other: { dtype: 'F32', shape: [1], bytes: f32([1]) } }))
    await expect(readQwenPromptEmbeds(none, 16)).rejects.toThrow(/no "prompt_embeds" tensor \(it has other\)/)
    const bytes = safetensors({ prompt_embeds: { dtype: 'F32', shape: [1, 3, 2], bytes: f32([1, 2]) } })
    expect(() => parseSafetensors(bytes, 'bad.safetensors')).toThrow(
      /byte range does not hold \[1, 3, 2\] F32/
    )
    const txt = join(dir, 'embeds.txt')
    writeFileSync(txt, 'x')
    await expect(readQwenPromptEmbeds(txt, 16)).rejects.toThrow(/\.npy or \.safetensors/)
  })
})

describe("QwenImagePipeline's true CFG", () => {
  it("neg + s·(cond − neg), rescaled per token to the conditional prediction's norm", () => {
    const cond = tensor(Float32Array.of(3, 4, 0, 1), [1, 2, 2])
    const neg = tensor(Float32Array.of(1, 0, 0, 0), [1, 2, 2])
    const out = trueCfg(cond, neg, 4)
    // Token 0: comb = (9, 16), ‖cond‖ = 5, ‖comb‖ = √337. Token 1: comb = (0, 4), ‖cond‖ = 1.
    expect(out.data[0]).toBeCloseTo((9 * 5) / Math.sqrt(337), 5)
    expect(out.data[1]).toBeCloseTo((16 * 5) / Math.sqrt(337), 5)
    expect([out.data[2], out.data[3]]).toEqual([0, 1])
  })
})
