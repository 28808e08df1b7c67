import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { runWanPipeline } from '../../src/main/engine/pipeline/wan/generate'
import type { WanModel } from '../../src/main/engine/pipeline/wan/model'
import { uniPCSchedule } from '../../src/main/engine/pipeline/schedulers/unipc'
import { loadWholeGraphWan } from '../../src/main/engine/pipeline/wan/whole-graph'
import { GenerateRequestSchema, type GenerationResult } from '../../src/shared/generation'
import { requestFromRecipe } from '../../src/shared/recipe-request'

/**
 * Wan 2.2's second guidance scale per request (GenerateRequest.guidanceScale2, diffusers'
 * guidance_scale_2): the low-noise expert (transformer_2, below boundary_ratio · 1000) guides with
 * it, the high-noise expert with guidanceScale; the recipe records the scale used, so its request
 * makes the same video again. A model with one transformer refuses it by name.
 */

const FIXTURES = join(__dirname, '../fixtures/diffusers')
const hooks = { createStepCache, beforeCall: () => undefined }

const request = (model: string, extra: Record<string, unknown> = {}) =>
  GenerateRequestSchema.parse({
    model,
    prompt: 'a cat sitting on a wooden table',
    negativePrompt: 'blurry',
    seed: 5,
    steps: 3,
    guidanceScale: 5,
    width: 16,
    height: 16,
    frames: 9,
    ...extra
  })

const pixels = (r: GenerationResult) => Buffer.from(r.pixels)

describe('Wan 2.2 guidanceScale2 (wan2.2-tiny dynamo, whole graphs)', () => {
  let model: WanModel
  beforeAll(async () => {
    model = await loadWholeGraphWan(join(FIXTURES, 'wan2.2-tiny/onnx-dynamo'), { provider: 'cpu' })
    // A short text keeps the run small; both runs of each comparison use the same.
    model = { ...model, defaults: { ...model.defaults, maxSequenceLength: 16 } }
  })
  afterAll(() => model?.release())

  it('the low-noise expert runs within 3 steps (the premise of the comparisons below)', () => {
    expect(model.boundaryRatio).toBe(0.875)
    const { timesteps } = uniPCSchedule(model.configs.scheduler, 3)
    expect(timesteps.some((t) => t < 875)).toBe(true)
    expect(timesteps.some((t) => t >= 875)).toBe(true)
  })

  it('without one it guides the low-noise expert with guidanceScale and records that; the same value asked gives the same bytes', async () => {
    expect(model.defaults.guidanceScale2).toBeNull()
    const byDefault = await runWanPipeline(model, request(model.id), hooks)
    expect(byDefault.recipe.guidanceScale2).toBe(5)
    const same = await runWanPipeline(model, request(model.id, { guidanceScale2: 5 }), hooks)
    expect(pixels(same).equals(pixels(byDefault))).toBe(true)
  })

  it('a model default is used where the request has none', async () => {
    const withDefault: WanModel = { ...model, defaults: { ...model.defaults, guidanceScale2: 1.5 } }
    const a = await runWanPipeline(withDefault, request(model.id), hooks)
    expect(a.recipe.guidanceScale2).toBe(1.5)
    const b = await runWanPipeline(model, request(model.id, { guidanceScale2: 1.5 }), hooks)
    expect(pixels(a).equals(pixels(b))).toBe(true)
  })

  it('another guidanceScale2 changes the video; its recipe, as a request again, gives the same bytes', async () => {
    const base = await runWanPipeline(model, request(model.id), hooks)
    const other = await runWanPipeline(model, request(model.id, { guidanceScale2: 1.5 }), hooks)
    expect(other.recipe.guidanceScale2).toBe(1.5)
    expect(other.recipe.guidanceScale).toBe(5)
    expect(pixels(other).equals(pixels(base))).toBe(false)
    const again = requestFromRecipe(other.recipe)
    expect(again.guidanceScale2).toBe(1.5)
    const replayed = await runWanPipeline(model, GenerateRequestSchema.parse(again), hooks)
    expect(pixels(replayed).equals(pixels(other))).toBe(true)
  })

  it('only the low-noise expert reads it: a schedule that never reaches it ignores guidanceScale2', async () => {
    // One step runs at t = 999 ≥ 875: the high-noise expert alone.
    const one = { steps: 1 }
    const a = await runWanPipeline(model, request(model.id, one), hooks)
    const b = await runWanPipeline(model, request(model.id, { ...one, guidanceScale2: 1.5 }), hooks)
    expect(pixels(a).equals(pixels(b))).toBe(true)
  })
})

describe('guidanceScale2 on a model with one transformer', () => {
  it('EXPECTED FAILURE - Wan 2.1 refuses it in one line before any step', async () => {
    const model = await loadWholeGraphWan(join(FIXTURES, 'wan2.1-tiny/onnx-dynamo'), { provider: 'cpu' })
    try {
      expect(model.boundaryRatio).toBeNull()
      let steps = 0
      const run = runWanPipeline(model, request(model.id, { width: 64, height: 48, guidanceScale2: 3 }), {
        ...hooks,
        onProgress: () => void steps++
      })
      await expect(run).rejects.toThrow(
        /^\S+ has one transformer; guidanceScale2 \(--guidance-2\) is only for models with two experts \(Wan 2\.2\)$/
      )
      expect(steps).toBe(0)
      // Without it, the same request runs and records no second scale.
      const ok = await runWanPipeline(model, request(model.id, { width: 64, height: 48, steps: 1 }), hooks)
      expect(ok.recipe.guidanceScale2).toBeUndefined()
      expect(requestFromRecipe(ok.recipe)).not.toHaveProperty('guidanceScale2')
    } finally {
      await model.release()
    }
  })

  it('EXPECTED FAILURE - the request schema refuses a scale outside 0..50', () => {
    expect(GenerateRequestSchema.safeParse({ ...request('m'), guidanceScale2: 51 }).success).toBe(false)
    expect(GenerateRequestSchema.safeParse({ ...request('m'), guidanceScale2: -1 }).success).toBe(false)
  })
})
