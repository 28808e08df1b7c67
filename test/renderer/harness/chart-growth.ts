import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/** How many steps the live chart shows now (its data-steps); `timeout` bounds the wait for the chart. */
export const chartSteps = (page: Page, options?: { timeout?: number }): Promise<number> =>
  page.getByTestId('cache-chart').first().getAttribute('data-steps', options).then(Number)

/**
 * Records in the page every value the live chart's step count takes, with when it took it, from
 * now on: what a user watching the run saw, update by update.
 */
export async function watchChartGrowth(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      __growth: { steps: number[]; at: number[] }
      performance: { now(): number }
      MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void }
      document: {
        body: unknown
        querySelector(s: string): { getAttribute(a: string): string | null } | null
      }
    }
    g.__growth = { steps: [], at: [] }
    new g.MutationObserver(() => {
      const n = Number(
        g.document.querySelector('[data-testid="cache-chart"]')?.getAttribute('data-steps') ?? 0
      )
      if (g.__growth.steps[g.__growth.steps.length - 1] !== n) {
        g.__growth.steps.push(n)
        g.__growth.at.push(g.performance.now())
      }
    }).observe(g.document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-steps']
    })
  })
}

export interface ChartGrowth {
  /** The step counts shown between the first step and the last (the run under way), in order. */
  partial: number[]
  /** The longest wait between two updates of the chart while the run was under way, in ms. */
  longestGapMs: number
}

/**
 * What watchChartGrowth saw of a run of `steps` steps. The chart draws at most once a frame, so a
 * run whose steps come faster than frames shows some counts only inside a later update.
 */
export async function chartGrowth(page: Page, steps: number): Promise<ChartGrowth> {
  const { steps: seen, at } = await page.evaluate(
    () => (globalThis as unknown as { __growth: { steps: number[]; at: number[] } }).__growth
  )
  const live = seen.map((n, i) => ({ n, t: at[i] })).filter(({ n }) => n > 0 && n <= steps)
  const gaps = live.slice(1).map((x, i) => x.t - live[i].t)
  return {
    partial: live.filter(({ n }) => n < steps).map(({ n }) => n),
    longestGapMs: Math.max(0, ...gaps)
  }
}

/** The longest the live chart may go without an update while its run is under way. */
const GROWTH_GAP_MS = 1000

/**
 * A finished run of `steps`, watched with watchChartGrowth: the chart shows every step, and was
 * drawn while under way, in order, never long apart. It draws at most once a frame and never
 * more than a third of the main thread (store/per-frame.ts), so a run whose steps come faster
 * than the chart draws shows several steps to an update. A loaded machine may draw a short run
 * only once before its end; the long run of live-chart.e2e.test.ts shows the chart growing
 * update by update.
 */
export async function expectChartGrew(page: Page, steps: number): Promise<void> {
  expect(await chartSteps(page)).toBe(steps)
  const growth = await chartGrowth(page, steps)
  expect(growth.partial.length).toBeGreaterThanOrEqual(1)
  expect(growth.partial).toEqual([...growth.partial].sort((a, b) => a - b))
  expect(growth.longestGapMs).toBeLessThan(GROWTH_GAP_MS)
}
