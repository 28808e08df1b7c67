import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { familyCard } from '../../src/main/engine/import/family-card'
import { importedModelInfo } from '../../src/main/engine/import/imported-info'
import { importFolder } from '../../src/main/engine/import/importer'
import { ModelInfoSchema } from '../../src/shared/manifest'

/**
 * What the app's model list says of imported Wan packages before a run: Wan 2.2's second expert
 * with its default guidance_scale_2 (the generate view's "Guidance (low-noise expert)" field), and
 * a package that cannot generate because its export has no VAE decoder graph (Generate disabled,
 * the reason under it) — the engine refuses the same run, but the app should not offer it.
 */
const FIXTURES = join(__dirname, '../fixtures/diffusers')
const models = mkdtempSync(join(tmpdir(), 'wan-model-info-'))
afterAll(() => rmSync(models, { recursive: true, force: true }))

async function infoOf(folder: string) {
  const r = await importFolder(join(FIXTURES, folder), { modelsDir: models })
  const info = await importedModelInfo(r.dir)
  // What crosses to the app is the schema's: the new fields survive its parse.
  expect(ModelInfoSchema.parse(info)).toEqual(info)
  return { info, manifest: r.manifest }
}

describe('ModelInfo of imported Wan packages', () => {
  it('Wan 2.2 dynamo: two experts, boundary 0.875, low-noise guidance defaulting to guidance_scale; can generate', async () => {
    const { info } = await infoOf('wan2.2-tiny/onnx-dynamo')
    expect(info.transformers.map((t) => t.name)).toEqual(['transformer', 'transformer_2'])
    // WanPipeline fills guidance_scale_2 with guidance_scale where the caller gives none.
    expect(info.secondExpert).toEqual({ boundaryRatio: 0.875, guidanceScale2: info.defaults.guidanceScale })
    expect(info.cannotGenerate).toBeUndefined()
  })

  it('Wan 2.1 dynamo: one transformer, no second expert; can generate', async () => {
    const { info } = await infoOf('wan2.1-tiny/onnx-dynamo')
    expect(info.secondExpert).toBeUndefined()
    expect(info.cannotGenerate).toBeUndefined()
  })

  it('EXPECTED FAILURE - a TorchScript export without its VAE decoder graph says in one line that it cannot generate', async () => {
    for (const folder of ['wan2.1-tiny/onnx', 'wan2.2-tiny/onnx']) {
      const { info, manifest } = await infoOf(folder)
      expect('vae_decoder' in manifest.components).toBe(false)
      expect(info.cannotGenerate).toBe(
        'No VAE decoder graph in this export: it cannot decode videos (export vae_decoder/model.onnx and import again)'
      )
      expect(info.cannotGenerate).not.toContain('\n')
    }
    // Its second expert is still listed: the package replays.
    expect((await infoOf('wan2.2-tiny/onnx')).info.secondExpert?.boundaryRatio).toBe(0.875)
  })

  it("the card's second expert follows the package's boundary_ratio", async () => {
    const { manifest } = await infoOf('wan2.2-tiny/onnx-dynamo')
    const configs = manifest.configs as { index: Record<string, unknown> }
    const oneExpert = { ...manifest.configs, index: { ...configs.index, boundary_ratio: null } }
    expect(familyCard('wan', oneExpert).secondExpert).toBeUndefined()
    const other = { ...manifest.configs, index: { ...configs.index, boundary_ratio: 0.5 } }
    expect(familyCard('wan', other).secondExpert?.boundaryRatio).toBe(0.5)
  })
})
