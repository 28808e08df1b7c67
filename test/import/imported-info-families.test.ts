import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { familyCard } from '../../src/main/engine/import/family-card'
import { importedModelInfo } from '../../src/main/engine/import/imported-info'
import { importFolder } from '../../src/main/engine/import/importer'

/**
 * What the app lists of an imported package of the new families (ModelInfo, the generate view's
 * source): a Wan video's frame rule, a static export's one size and count, how the family guides,
 * and a Qwen-Image package that reads precomputed prompt embeddings.
 */
const FIXTURES = resolve('test/fixtures/diffusers')
const models = mkdtempSync(join(tmpdir(), 'imported-info-families-'))
afterAll(() => rmSync(models, { recursive: true, force: true }))

async function infoOf(folder: string) {
  const r = await importFolder(join(FIXTURES, folder), { modelsDir: models })
  return { info: await importedModelInfo(r.dir), manifest: r.manifest }
}

describe('ModelInfo of imported packages', () => {
  it('Wan 2.1 TorchScript (static graphs): one size, 9 frames fixed, CFG, video', async () => {
    const { info } = await infoOf('wan2.1-tiny/onnx')
    expect(info).toMatchObject({
      family: 'wan',
      kind: 'video',
      output: { width: 64, height: 48, frames: 9 },
      sizes: { fixed: { width: 64, height: 48 } },
      frames: { step: 4, fixed: 9 },
      guidance: 'cfg'
    })
    expect(info.promptEmbeds).toBeUndefined()
  })

  it('Wan 2.1 dynamo: multiples of 16 up to its limit, frames fixed by its VAE graph to 9', async () => {
    const { info, manifest } = await infoOf('wan2.1-tiny/onnx-dynamo')
    // The limits are the family's (its RoPE table, pipeline/wan/shape.ts), passed on as they are.
    expect(info.sizes).toEqual(manifest.sizes)
    expect(info.sizes).toMatchObject({ multipleOf: 16 })
    expect(info.sizes?.fixed).toBeUndefined()
    const { shape } = manifest.configs as { shape: { maxFrames: number } }
    expect(info.frames).toEqual({ step: 4, max: shape.maxFrames, fixed: 9 })
  })

  it('FLUX: guidance-distilled or none, never CFG; no frames', async () => {
    const { info, manifest } = await infoOf('flux-tiny/onnx')
    expect(info.guidance).toMatch(/^(distilled|none)$/)
    expect(info.frames).toBeUndefined()
    const embeds = (manifest.configs as { transformer: { guidance_embeds: boolean } }).transformer
      .guidance_embeds
    const flip = {
      ...manifest.configs,
      transformer: { ...(manifest.configs['transformer'] as object), guidance_embeds: !embeds }
    }
    expect(new Set([info.guidance, familyCard('flux', flip).guidance])).toEqual(
      new Set(['distilled', 'none'])
    )
  })

  it('Qwen-Image without a text encoder: reads precomputed prompt embeddings, says so', async () => {
    const { info } = await infoOf('qwen-image-tiny/onnx')
    expect(info).toMatchObject({ family: 'qwen-image', promptEmbeds: true, guidance: 'cfg' })
    expect(info.sizes?.fixed).toBeDefined()
  })

  it('EXPECTED FAILURE - configs a family schema refuses are named, not guessed', () => {
    expect(() => familyCard('wan', { shape: {} })).toThrow()
  })
})
