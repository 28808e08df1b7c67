import { describe, expect, it } from 'vitest'
import { createStepCache } from '../../src/main/engine/cache'
import { TaylorSeer } from '../../src/main/engine/cache/taylorseer'
import { call, config, FakeRunner, v0 } from './fake-runner'

const one = (v: number): Float32Array => new Float32Array([v])
const forecast = (ts: TaylorSeer, step: number): number => {
  const out = new Float32Array(1)
  ts.accumulateInto(out, step)
  return out[0]
}
const feed = (ts: TaylorSeer, points: [number, number][]): void => {
  for (const [step, y] of points) ts.update(one(y), [1], step)
}

describe('TaylorSeer', () => {
  it('order 0 reuses the last computed value', () => {
    const ts = new TaylorSeer(0)
    feed(ts, [
      [0, 1],
      [1, 3]
    ])
    expect(forecast(ts, 4)).toBe(3)
  })

  it('order 1 extrapolates linearly over the real step distance', () => {
    const ts = new TaylorSeer(1)
    feed(ts, [
      [0, 1],
      [2, 3]
    ])
    // d1 = (3 − 1) / 2 = 1; three steps later: 3 + 1·3.
    expect(forecast(ts, 5)).toBe(6)
  })

  it('order 1 forms its first derivative at the second computed step', () => {
    const ts = new TaylorSeer(1)
    feed(ts, [[0, 1]])
    expect(ts.terms).toBe(1)
    expect(forecast(ts, 3)).toBe(1)
    feed(ts, [[1, 2]])
    expect(ts.terms).toBe(2)
  })

  it('order 2 adds the second derivative term e²/2 · d2', () => {
    const ts = new TaylorSeer(2)
    feed(ts, [
      [0, 0],
      [1, 1],
      [2, 4]
    ]) // y = t²: d1 = 3, d2 = (3 − 1)/1 = 2
    expect(forecast(ts, 3)).toBe(4 + 3 + 1) // 8
    expect(forecast(ts, 4)).toBe(4 + 3 * 2 + (2 * 4) / 2) // 14
  })

  it('order 2 divides every order by the latest gap, as CacheDiT does', () => {
    const ts = new TaylorSeer(2)
    feed(ts, [
      [0, 0],
      [2, 4],
      [3, 9]
    ]) // d1(2) = 2; d1(3) = 5, d2 = (5 − 2)/1 = 3
    expect(forecast(ts, 5)).toBe(9 + 5 * 2 + (3 * 4) / 2) // 25
  })

  it('restarts its ladder when the shape changes', () => {
    const ts = new TaylorSeer(1)
    feed(ts, [
      [0, 1],
      [1, 2]
    ])
    ts.update(new Float32Array([7, 7]), [2], 2)
    expect(ts.terms).toBe(1)
    const out = new Float32Array(2)
    ts.accumulateInto(out, 4)
    expect([...out]).toEqual([7, 7])
  })

  it('EXPECTED FAILURE - forecasting with nothing computed names the calibrator', () => {
    expect(() => forecast(new TaylorSeer(1), 0)).toThrow('TaylorSeer: no computed step to extrapolate from')
  })

  it('BAD CALL - a negative order is refused', () => {
    expect(() => new TaylorSeer(-1)).toThrow('TaylorSeer order must be an integer ≥ 0, got -1')
  })
})

describe('DBCache + TaylorSeer', () => {
  // F1B0 over two blocks: block 0 adds probe[t], block 1 (the middle) adds 10(t + 1): its residual
  // grows linearly, which order 1 forecasts exactly. Encoder (Pattern_0): middle adds 5(t + 1).
  const probe = [1, 1, 1.01, 1.01]
  const runner = (): FakeRunner =>
    new FakeRunner(
      2,
      (b, t) => (b === 0 ? probe[t] : 10 * (t + 1)),
      'Pattern_0',
      (b, t) => (b === 1 ? 5 * (t + 1) : 1)
    )
  const base = { Fn: 1, Bn: 0, maxWarmupSteps: 2, residualDiffThreshold: 1 }

  async function run(over: object): Promise<{ hidden: number[]; encoder: number[] }> {
    const cache = createStepCache(config({ ...base, ...over }))
    const r = runner()
    const hidden: number[] = []
    const encoder: number[] = []
    for (let t = 0; t < 4; t++) {
      const out = await call(cache, r, t)
      hidden.push(v0(out.hidden))
      encoder.push(v0(out.encoder))
    }
    expect(cache.traces().map((x) => x.cached)).toEqual([false, false, true, true])
    return { hidden, encoder }
  }

  it('plain DBCache reuses the last residual', async () => {
    const { hidden } = await run({})
    expect(hidden.slice(2)).toEqual([expect.closeTo(1 + 1.01 + 20, 5), expect.closeTo(1 + 1.01 + 20, 5)])
  })

  it('order 1 forecasts the middle residual of both streams', async () => {
    const { hidden, encoder } = await run({ taylorSeer: { enabled: true, order: 1 } })
    expect(hidden.slice(2)).toEqual([expect.closeTo(1 + 1.01 + 30, 5), expect.closeTo(1 + 1.01 + 40, 5)])
    expect(encoder.slice(2)).toEqual([1 + 15, 1 + 20])
  })

  it('leaves the encoder residual unforecast when taylorSeer.encoder is off', async () => {
    const { encoder } = await run({ taylorSeer: { enabled: true, order: 1, encoder: false } })
    expect(encoder.slice(2)).toEqual([1 + 10, 1 + 10])
  })

  it("cacheType 'hidden_states' forecasts the middle output itself and drops the Fn output", async () => {
    const { hidden } = await run({ taylorSeer: { enabled: true, order: 1, cacheType: 'hidden_states' } })
    // Middle outputs 12, 22 → 32, 42; the 0.01 the Fn blocks added at steps 2–3 is not in them.
    expect(hidden.slice(2)).toEqual([32, 42])
  })
})
