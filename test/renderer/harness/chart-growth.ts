import type { Page } from 'playwright-core'

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
