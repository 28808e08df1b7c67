import { describe, expect, it } from 'vitest'
import { applyGuidance } from '../../src/main/engine/pipeline/guidance'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { eulerStep, flowMatchSigmas } from '../../src/main/engine/pipeline/scheduler'
import { tensor } from '../../src/main/engine/tensor'

describe('flow-match Euler scheduler', () => {
  it('shifts 4 sigmas by 3 as computed by hand: 3s / (1 + 2s), then 0', () => {
    // s = 1, .75, .5, .25 → 3/3, 2.25/2.5, 1.5/2, .75/1.5
    expect(flowMatchSigmas(4, 3)).toEqual([1, 0.9, 0.75, 0.5, 0])
  })

  it('is the plain linear schedule with shift 1', () => {
    const s = flowMatchSigmas(5, 1)
    ;[1, 0.8, 0.6, 0.4, 0.2, 0].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 15))
  })

  it('shift 2, 4 steps: 2s / (1 + s)', () => {
    const s = flowMatchSigmas(4, 2)
    ;[1, 1.5 / 1.75, 1 / 1.5, 0.5 / 1.25, 0].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 15))
  })

  it('Euler step moves x by (sigma_next − sigma)·v', () => {
    const x = Float32Array.of(1, 2, -3)
    eulerStep(x, Float32Array.of(0.5, -1, 2), 0.9, 0.75)
    // dt = −0.15: 1 − 0.075, 2 + 0.15, −3 − 0.3
    expect(x[0]).toBeCloseTo(0.925, 6)
    expect(x[1]).toBeCloseTo(2.15, 6)
    expect(x[2]).toBeCloseTo(-3.3, 6)
  })

  it('the last step lands on x0 when v = noise − x0 is exact', () => {
    const x0 = Float32Array.of(0.25, -0.5)
    const noise = Float32Array.of(1, 1)
    const sigmas = flowMatchSigmas(3, 3)
    const x = Float32Array.from(noise)
    const v = Float32Array.from(noise, (n, i) => n - x0[i])
    for (let i = 0; i < 3; i++) eulerStep(x, v, sigmas[i], sigmas[i + 1])
    expect(x[0]).toBeCloseTo(0.25, 6)
    expect(x[1]).toBeCloseTo(-0.5, 6)
  })

  it('BAD CALL - zero steps or a non-positive shift', () => {
    expect(() => flowMatchSigmas(0, 3)).toThrow('steps must be a positive integer, got 0')
    expect(() => flowMatchSigmas(4, 0)).toThrow('shift must be positive, got 0')
  })
})

describe('classifier-free guidance', () => {
  it('v = v_uncond + g·(v_cond − v_uncond)', () => {
    const v = applyGuidance(tensor(Float32Array.of(2, 0), [2]), tensor(Float32Array.of(1, 1), [2]), 3)
    expect([...v.data]).toEqual([4, -2])
  })
})

describe('seeded noise', () => {
  it('is the same for the same seed, bit for bit, and differs across seeds', () => {
    const a = gaussianNoise(42, 1001)
    expect(Buffer.from(a.buffer).equals(Buffer.from(gaussianNoise(42, 1001).buffer))).toBe(true)
    expect(Buffer.from(a.buffer).equals(Buffer.from(gaussianNoise(43, 1001).buffer))).toBe(false)
  })

  it('is standard normal: mean ≈ 0, variance ≈ 1 over 100k samples', () => {
    const n = gaussianNoise(7, 100_000)
    const mean = n.reduce((s, v) => s + v, 0) / n.length
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(Math.abs(variance - 1)).toBeLessThan(0.02)
    expect(n.every(Number.isFinite)).toBe(true)
  })

  it('pins the first values of seed 0 (a changed generator changes every saved recipe)', () => {
    expect([...gaussianNoise(0, 4)].map((v) => v.toFixed(6))).toMatchSnapshot()
  })
})
