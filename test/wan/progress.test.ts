import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache/index'
import { runWanPipeline } from '../../src/main/engine/pipeline/wan/generate'
import type { WanModel } from '../../src/main/engine/pipeline/wan/model'
import { loadWholeGraphWan } from '../../src/main/engine/pipeline/wan/whole-graph'
import { GenerateRequestSchema, type ProgressEvent } from '../../src/shared/generation'

/**
 * A Wan run's progress as the app sees it (the shared step timer, pipeline/step-progress.ts): one
 * event per step with its counts, a preview of the first frame of what the step is becoming every
 * previewEvery steps but not after the last, and timings whose steps add up to denoiseMs.
 */
const WAN = join(__dirname, '../fixtures/diffusers/wan2.2-tiny/onnx-dynamo')

describe('Wan progress events and timings (wan2.2-tiny dynamo, whole graphs)', () => {
  let model: WanModel
  beforeAll(async () => {
    model = await loadWholeGraphWan(WAN, { provider: 'cpu' })
    model = { ...model, defaults: { ...model.defaults, maxSequenceLength: 16 } }
  })
  afterAll(() => model?.release())

  it('every step reports; previews are 16×16 RGBA of frame 0, before the last step only', async () => {
    const events: ProgressEvent[] = []
    const request = GenerateRequestSchema.parse({
      model: model.id,
      prompt: 'a cat',
      seed: 1,
      steps: 3,
      width: 16,
      height: 16,
      frames: 9,
      previewEvery: 1
    })
    const result = await runWanPipeline(model, request, {
      createStepCache,
      beforeCall: () => undefined,
      onProgress: (e) => events.push(e)
    })
    expect(events.map((e) => [e.step, e.totalSteps])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3]
    ])
    expect(events.map((e) => e.preview !== undefined)).toEqual([true, true, false])
    for (const e of events.slice(0, 2)) {
      expect([e.preview?.width, e.preview?.height]).toEqual([16, 16])
      expect(e.preview?.pixels.length).toBe(16 * 16 * 4)
    }
    const t = result.timings
    expect(t.perStepMs).toHaveLength(3)
    expect(t.denoiseMs).toBeCloseTo(
      t.perStepMs.reduce((a, b) => a + b, 0),
      6
    )
    expect(t.prepareMs).toBeGreaterThanOrEqual(0)
    expect(t.previewMs).toBeGreaterThanOrEqual(0)
    expect(t.totalMs).toBeGreaterThanOrEqual(t.denoiseMs)
    expect(result.recipe).toMatchObject({ steps: 3, width: 16, height: 16, frames: 9, guidanceScale2: 5 })
  })
})
