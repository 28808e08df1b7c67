import { describe, expect, it } from 'vitest'
import {
  roundStepAtLeast,
  stepTicks,
  TICK_DIGIT_PX,
  tickSpacingPx
} from '../../src/renderer/src/charts/step-ticks'

/** Where a tick's label centre lands on a plot this wide (domain [-0.5, steps - 0.5]). */
const px = (step: number, steps: number, width: number): number => ((step + 0.5) / steps) * width
/** A label's width at the axes' font. */
const labelPx = (step: number): number => String(step).length * TICK_DIGIT_PX

const ROUND = new Set([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000])

describe('stepTicks: the step axis of the per-step charts', () => {
  it('labels a 1000-step run every 100 steps and its last step at the Generate view’s width', () => {
    expect(stepTicks(1000, 700)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999])
  })

  it('labels a 28-step run with round steps and its last, the round tick next to the last giving way', () => {
    // 25 px a step: every 2 would put labels 50 px apart, but 26 sits 25 px from 27.
    expect(stepTicks(28, 700)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 27])
  })

  it('one step is one tick; a narrow plot keeps the first step only', () => {
    expect(stepTicks(1, 700)).toEqual([0])
    expect(stepTicks(0, 700)).toEqual([0])
    expect(stepTicks(3, 30)).toEqual([0])
  })

  it('before the chart is measured (width 0) it still gives a readable axis', () => {
    const ticks = stepTicks(1000, 0)
    expect(ticks[0]).toBe(0)
    expect(ticks[ticks.length - 1]).toBe(999)
    expect(ticks.length).toBeLessThanOrEqual(15)
  })

  it('for every step count from 1 to 5000 and plot widths of 300–1400 px: first and last, round between, no labels overlapping, not too few', () => {
    for (const width of [300, 520, 700, 1000, 1400]) {
      for (let steps = 1; steps <= 5000; steps++) {
        const ticks = stepTicks(steps, width)
        const where = `${steps} steps at ${width} px: ${ticks.join(',')}`
        expect(ticks[0], where).toBe(0)
        if (steps === 1) {
          expect(ticks, where).toEqual([0])
          continue
        }
        expect(ticks[ticks.length - 1], where).toBe(steps - 1)
        const inner = ticks.slice(1, -1)
        // The round ticks are the multiples of one round step, none skipped.
        if (inner.length > 0) {
          const every = ticks[1]
          expect(ROUND.has(every), where).toBe(true)
          inner.forEach((t, i) => expect(t, where).toBe((i + 1) * every))
        }
        for (let i = 1; i < ticks.length; i++) {
          const gap = px(ticks[i], steps, width) - px(ticks[i - 1], steps, width)
          // Centre to centre, two half labels and a space of at least 16 px between them.
          expect(gap - (labelPx(ticks[i]) + labelPx(ticks[i - 1])) / 2, where).toBeGreaterThanOrEqual(16)
        }
        // Readable, not sparse: at most one label per 44 px and, where the labels could be
        // denser, the next smaller round step would have crowded them.
        expect(ticks.length, where).toBeLessThanOrEqual(Math.floor(width / 44) + 1)
        if (inner.length > 0) {
          const every = ticks[1]
          const smaller = [...ROUND].filter((r) => r < every).pop()
          if (smaller !== undefined)
            expect((smaller / steps) * width, where).toBeLessThan(tickSpacingPx(steps - 1))
        }
      }
    }
  })

  it('round steps are 1, 2 and 5 times a power of ten', () => {
    expect([0.3, 1, 1.2, 2, 3, 5.1, 11, 49, 51, 150, 999].map(roundStepAtLeast)).toEqual([
      1, 1, 2, 2, 5, 10, 20, 50, 100, 200, 1000
    ])
  })
})
