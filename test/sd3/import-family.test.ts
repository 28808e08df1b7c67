import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { SD3_GRAPH } from '../../src/main/engine/import/families/graph-specs'
import { Sd3ConfigsSchema, SD3_FAMILY, sd3FromImport } from '../../src/main/engine/import/families/sd3'
import type { LoadedImport } from '../../src/main/engine/import/loaded-import'
import { loadSd3Model } from '../../src/main/engine/pipeline/sd3/load'
import type { Sd3Model } from '../../src/main/engine/pipeline/sd3/model'
import { replaySd3 } from '../../src/main/engine/replay/sd3'
import { readSd3Golden } from '../../src/main/engine/replay/sd3-golden'
import type { ImportedManifest } from '../../src/shared/imported-manifest'
import { cutWithSpec } from '../cut-transformer'

/** The SD3 family of the importer: its configs schema and defaults, and a loaded package as the SD3 pipeline's model. */

const SD3 = join(__dirname, '../fixtures/diffusers/sd3-tiny/onnx')
const json = (rel: string) => JSON.parse(readFileSync(join(SD3, rel), 'utf8')) as unknown
const raw = () => ({
  scheduler: json('scheduler/scheduler_config.json'),
  vae: json('vae_decoder/config.json'),
  transformer: json('transformer/config.json')
})

describe('SD3 import family', () => {
  it("keeps scheduler, VAE and transformer configs; defaults 28 steps, guidance 7, the transformer's sample size", () => {
    const c = Sd3ConfigsSchema.parse(raw())
    expect(c.vae.shift_factor).toBeCloseTo(0.0609, 6)
    expect(SD3_FAMILY.defaults(c)).toEqual({
      defaults: { steps: 28, guidanceScale: 7, width: 32, height: 32 },
      sizes: { multipleOf: 4, max: 48 }
    })
    // Stored configs survive model.json's JSON round trip.
    expect(Sd3ConfigsSchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c)
  })

  it('refuses dynamic shifting and an unknown scheduler option by name', () => {
    const r = raw() as { scheduler: Record<string, unknown>; transformer: Record<string, unknown> }
    const dyn = Sd3ConfigsSchema.safeParse({
      ...r,
      scheduler: { ...r.scheduler, use_dynamic_shifting: true }
    })
    expect(dyn.success).toBe(false)
    expect(JSON.stringify(dyn.error?.issues)).toMatch(/use_dynamic_shifting/)
    const other = Sd3ConfigsSchema.safeParse({
      ...r,
      transformer: { ...r.transformer, _class_name: 'FluxTransformer2DModel' }
    })
    expect(other.success).toBe(false)
  })

  describe('sd3FromImport on a package-like LoadedImport (whole-graph sessions, cut transformer)', () => {
    let whole: Sd3Model
    let model: Sd3Model
    beforeAll(async () => {
      whole = await loadSd3Model(SD3, { provider: 'cpu' })
      const transformer = await cutWithSpec(join(SD3, 'transformer/model.onnx'), SD3_GRAPH)
      const sessions: Record<string, unknown> = {
        text_encoder: whole.clipL.encoder,
        text_encoder_2: whole.clipG.encoder,
        text_encoder_3: whole.t5?.encoder,
        vae_decoder: whole.vaeDecoder
      }
      const imp: LoadedImport = {
        manifest: {
          id: 'sd3-tiny',
          name: 'sd3-tiny',
          configs: Sd3ConfigsSchema.parse(raw())
        } as unknown as ImportedManifest,
        dir: SD3,
        provider: 'cpu',
        transformers: [transformer],
        transformerFor: () => transformer,
        transformer: () => transformer,
        hasSession: (c) => c in sessions,
        session: (c) => sessions[c] as never,
        tokenizerJson: (n) => readFileSync(join(SD3, n, 'tokenizer.json'), 'utf8'),
        tokenizerConfigJson: (n) => readFileSync(join(SD3, n, 'tokenizer_config.json'), 'utf8'),
        release: async () => undefined
      }
      model = sd3FromImport(imp)
    })
    afterAll(async () => {
      await whole.release()
    })

    it('is cacheable, names T5 and the CLIP lengths, and replays pipeline_4steps within 1e-4 / 1e-3', async () => {
      expect(model.cacheable).toBe(true)
      expect(model.clipL.maxLength).toBe(77)
      expect(model.t5).not.toBeNull()
      const r = await replaySd3(model, await readSd3Golden(join(SD3, '../golden/pipeline_4steps')), {
        createStepCache
      })
      expect(r.checks.tokenIdsMatch).toBe(true)
      expect(r.runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
      expect(r.runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
    })
  })
})
