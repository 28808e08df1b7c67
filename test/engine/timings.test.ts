import { describe, expect, it } from 'vitest'
import { callTransformer, type TransformerCall } from '../../src/main/engine/pipeline/transformer-call'
import { fixture, generate, loadFixture, request } from './fixtures'

/** Blocks the thread like a session's slow first run would (an await would let timers run on). */
function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

/** A transformer call whose first use per transformer costs `ms` more, as a cold session's does. */
function coldFirstCall(ms: number): { call: TransformerCall; calls: () => number } {
  const seen = new Set<unknown>()
  let calls = 0
  const call: TransformerCall = async (t, inputs, site) => {
    calls++
    if (!seen.has(t)) {
      seen.add(t)
      busy(ms)
    }
    return callTransformer(t, inputs, site)
  }
  return { call, calls: () => calls }
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)

describe('generation timings', () => {
  it("puts a cold start's cost in prepareMs and times the steps on warm sessions", async () => {
    const model = await loadFixture('tiny-video')
    const cold = coldFirstCall(300)
    const req = request({
      model: fixture('tiny-video'),
      prompt: 'a red circle moving right',
      steps: 4,
      cache: { preset: 'custom', overrides: { Fn: 1, Bn: 0, maxWarmupSteps: 1 } }
    })
    const first = await generate(model, req, { transformerCall: cold.call })
    const t = first.timings
    // Each of the two experts paid its first call before step 0, in the preparation.
    expect(t.prepareMs).toBeGreaterThanOrEqual(600)
    expect(Math.max(...t.perStepMs)).toBeLessThan(300)
    expect(t.denoiseMs).toBeCloseTo(sum(t.perStepMs), 6)
    const warmUpCalls = cold.calls() - 4 * 2 // the steps: two CFG calls each
    expect(warmUpCalls).toBe(2 * 2) // per expert: a computing call and a caching one

    // The same settings again: nothing left to prepare, no warm-up calls.
    const before = cold.calls()
    const again = await generate(model, req, { transformerCall: cold.call })
    expect(cold.calls() - before).toBe(4 * 2)
    expect(again.timings.prepareMs).toBeLessThan(300)
  })

  it('keeps previews and progress events out of the denoise time', async () => {
    const model = await loadFixture('tiny-image')
    const req = request({ model: fixture('tiny-image'), prompt: 'a', steps: 4, previewEvery: 1 })
    const result = await generate(model, req, { onProgress: () => busy(60) })
    const t = result.timings
    expect(t.denoiseMs).toBeCloseTo(sum(t.perStepMs), 6)
    expect(t.denoiseMs).toBeLessThan(4 * 60)
    expect(t.previewMs).toBeGreaterThanOrEqual(4 * 60)
    expect(t.totalMs).toBeGreaterThanOrEqual(
      (t.prepareMs ?? 0) + t.encodeMs + t.denoiseMs + (t.previewMs ?? 0) + t.decodeMs
    )
  })
})
