import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { importFolder } from '../../src/main/engine/import/importer'
import { loadImportedFamilyModel } from '../../src/main/engine/pipeline/families'
import { runWanPipeline } from '../../src/main/engine/pipeline/wan/generate'
import { isWanModel, type WanModel } from '../../src/main/engine/pipeline/wan/model'
import { readWanGolden } from '../../src/main/engine/replay/wan-golden'
import { replayWan } from '../../src/main/engine/replay/wan-replay'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { studio } from '../cli-harness'

const FIXTURES = join(__dirname, '../fixtures/diffusers')
const models = mkdtempSync(join(tmpdir(), 'wan-imported-'))
afterAll(() => rmSync(models, { recursive: true, force: true }))

async function imported(family: string, exporter: string) {
  const r = await importFolder(join(FIXTURES, family, exporter), {
    modelsDir: models,
    name: `${family}-${exporter}`
  })
  return r
}

async function load(dir: string): Promise<WanModel> {
  const { model } = await loadImportedFamilyModel(dir, { provider: 'cpu' })
  if (!isWanModel(model)) throw new Error(`${dir}: not a Wan model`)
  return model
}

describe('studio import of Wan folders, then replay and generate on the packages', () => {
  for (const exporter of ['onnx', 'onnx-dynamo'])
    it(`wan2.1-tiny ${exporter}: one list of 6 Pattern_2 blocks; dbcache_10steps gives CacheDiT's cached steps`, async () => {
      const pkg = await imported('wan2.1-tiny', exporter)
      expect([pkg.manifest.family, pkg.manifest.kind]).toEqual(['wan', 'video'])
      expect(
        pkg.manifest.transformers.map((t) => [
          t.name,
          t.blockLists.map((l) => [l.name, l.pattern, l.blocks.length])
        ])
      ).toEqual([['transformer', [['blocks', 'Pattern_2', 6]]]])
      // The TorchScript folder has no VAE decoder graph: the package leaves it out.
      expect('vae_decoder' in pkg.manifest.components).toBe(exporter === 'onnx-dynamo')
      const r = await studio(
        'replay',
        join(FIXTURES, 'wan2.1-tiny/golden/dbcache_10steps'),
        '--model',
        pkg.dir,
        '--provider',
        'cpu'
      )
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      const out = r.out.join('\n')
      for (const branch of ['cond', 'uncond']) {
        expect(out).toContain(`transformer/${branch}: cached steps [2, 4, 5, 9], CacheDiT [2, 4, 5, 9] same`)
        expect(out).toContain(`transformer/${branch}: cached steps [2, 5, 9], CacheDiT [2, 5, 9] same`)
      }
      expect(out).not.toContain('DIFFER')
    })

  it('wan2.2-tiny onnx-dynamo: both experts cut; pipeline_4steps latents < 1e-4, frames < 1e-3, experts as diffusers', async () => {
    const pkg = await imported('wan2.2-tiny', 'onnx-dynamo')
    expect(pkg.manifest.transformers.map((t) => t.name)).toEqual(['transformer', 'transformer_2'])
    const model = await load(pkg.dir)
    try {
      expect(model.boundaryRatio).toBe(0.875)
      const { runs, checks } = await replayWan(
        model,
        await readWanGolden(join(FIXTURES, 'wan2.2-tiny/golden/pipeline_4steps')),
        {
          createStepCache
        }
      )
      expect(checks.expertsMatch).toBe(true)
      expect(runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
    } finally {
      await model.release()
    }
  })

  it('wan2.2-tiny onnx (static): only its size, no VAE graph: generate refuses by name before denoising', async () => {
    const pkg = await imported('wan2.2-tiny', 'onnx')
    const model = await load(pkg.dir)
    try {
      expect(model.shape.fixed).toEqual({ width: 64, height: 48 })
      expect(model.vaeDecoder).toBeNull()
      const request = GenerateRequestSchema.parse({
        model: pkg.id,
        prompt: 'a cat',
        seed: 1,
        steps: 6,
        cache: { preset: 'F1B0' }
      })
      await expect(
        runWanPipeline(model, request, { createStepCache, beforeCall: () => undefined })
      ).rejects.toThrow(/vae_decoder/)
    } finally {
      await model.release()
    }
  })

  it('wan2.1-tiny onnx-dynamo: generate with F1B0 gives a 9-frame video and traces of both branches', async () => {
    const pkg = await imported('wan2.1-tiny', 'onnx-dynamo')
    const model = await load(pkg.dir)
    try {
      const request = GenerateRequestSchema.parse({
        model: pkg.id,
        prompt: 'a cat sitting on a wooden table',
        seed: 3,
        steps: 6,
        width: 64,
        height: 48,
        cache: { preset: 'F1B0' }
      })
      const result = await runWanPipeline(model, request, { createStepCache, beforeCall: () => undefined })
      expect([result.kind, result.frames, result.width, result.height]).toEqual(['video', 9, 64, 48])
      expect(new Set(result.trace.map((t) => `${t.transformer}/${t.branch}`))).toEqual(
        new Set(['transformer/cond', 'transformer/uncond'])
      )
      expect(result.trace).toHaveLength(12)
      expect(result.files.some((f) => f.name === 'video.webm')).toBe(true)
    } finally {
      await model.release()
    }
  })
})
