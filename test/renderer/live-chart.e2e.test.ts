import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StepTrace } from '../../src/shared/trace'
import { chartSteps } from './harness/chart-growth'
import { screenshot } from './harness/screenshots'
import { galleryEntry, galleryList } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * A long fast run must leave the window usable: 1000 steps of the embedded shapes-flux-tiny with
 * F8B0 (cached steps take a few ms, so progress events come faster than a frame) while the page
 * answers within a bound, the live chart keeps growing, and Esc cancels at once; a finished run's
 * chart then equals its trace. The figures measured are printed for the commit message.
 */
const MODEL = 'shapes-flux-tiny'
const LONG_RUN = 1000
/** How long a click may wait for the page, and the page's longest task, while the run streams. */
const CLICK_MS = 500
const LONGEST_TASK_MS = 400
/** From Esc to the run saying it was cancelled. */
const CANCEL_MS = 2000
/** Probing goes on until the chart shows this many steps (the run is then cancelled). */
const PROBE_UNTIL_STEP = 700
/** The pause between two probes, and the fewest probes the run must have answered by then. */
const PROBE_EVERY_MS = 100
const MIN_PROBES = 8
/** A probe not answered by then is counted at this (it fails the bound above). */
const PROBE_LIMIT_MS = 3000

let studio: StudioPage

beforeAll(async () => {
  studio = await openReadyStudio({ model: MODEL })
})
afterAll(() => studio?.close())

/** A read of the chart waits for it no longer than a probe may take. */
const PROBE = { timeout: PROBE_LIMIT_MS }

/** Records every long task (> 50 ms on the main thread) from now on, in the page. */
async function watchLongTasks(page: StudioPage['page']): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      __longTasks: number[]
      PerformanceObserver: new (cb: (list: { getEntries(): { duration: number }[] }) => void) => {
        observe(o: unknown): void
      }
    }
    g.__longTasks = []
    new g.PerformanceObserver((list) => {
      for (const e of list.getEntries()) g.__longTasks.push(e.duration)
    }).observe({ type: 'longtask' })
  })
}
const longTasks = (page: StudioPage['page']): Promise<number[]> =>
  page.evaluate(() => (globalThis as unknown as { __longTasks: number[] }).__longTasks)

/**
 * Records, in the page, how long each click waited before the page handled it: from the moment the
 * browser took the input (the event's timeStamp) to the handler, so it counts what the page made
 * it wait, not this test process's own delays in driving the browser (it also relays the engine's
 * progress to the page, which a packaged app does not).
 */
async function watchClickDelays(page: StudioPage['page']): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      __clickDelays: number[]
      performance: { now(): number }
      document: { addEventListener(t: string, f: (e: { timeStamp: number }) => void, c: boolean): void }
    }
    g.__clickDelays = []
    g.document.addEventListener('click', (e) => g.__clickDelays.push(g.performance.now() - e.timeStamp), true)
  })
}
const clickDelays = (page: StudioPage['page']): Promise<number[]> =>
  page.evaluate(() => (globalThis as unknown as { __clickDelays: number[] }).__clickDelays)

/** How long the page takes to run a trivial script and answer this process, in ms. */
async function roundTrip(page: StudioPage['page']): Promise<number> {
  const t0 = performance.now()
  await Promise.race([page.evaluate(() => 0), new Promise((r) => setTimeout(r, PROBE_LIMIT_MS))])
  return performance.now() - t0
}

/** Clicks a point through the browser's input path, as a user does; the page records the delay. */
async function click(page: StudioPage['page'], at: { x: number; y: number }): Promise<void> {
  await Promise.race([page.mouse.click(at.x, at.y), new Promise((r) => setTimeout(r, PROBE_LIMIT_MS))])
}

describe('the live chart on a long, fast run', () => {
  it('1000 steps with F8B0: the page answers within 500 ms throughout, the chart keeps growing, Esc cancels at once', async () => {
    const { page } = studio
    await page.locator('[data-preset="F8B0"]').click()
    await page.getByTestId('steps').fill(String(LONG_RUN))
    await watchLongTasks(page)
    // Where the probes click: the chart's heading, which does nothing.
    const box = (await page.locator('.chart-card h2').boundingBox())!
    const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
    await page.getByTestId('generate').click()
    await page.getByTestId('progress').waitFor()
    await expect.poll(() => chartSteps(page, PROBE), { timeout: 60_000 }).toBeGreaterThan(10)

    // Probes spread over the run: a round trip, and a click the page must answer.
    await watchClickDelays(page)
    const trips: number[] = []
    const grown: number[] = []
    // Until the chart holds most of the run (its redraws cost the most there), and no further: a
    // fixed number of probes outran a fast run's end before Esc (the run finished, nothing to cancel).
    for (let i = 0; i < 60 && (i === 0 || grown[i - 1] < PROBE_UNTIL_STEP); i++) {
      trips.push(await roundTrip(page))
      await click(page, at)
      grown.push(
        await chartSteps(page, PROBE).catch(() => -1) // -1: the page did not answer
      )
      if (i === 3) await screenshot(page, 'live-chart-running')
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS))
    }
    expect(grown[grown.length - 1], 'the run is still under way when Esc is pressed').toBeLessThan(LONG_RUN)
    expect(trips.length, `probes before step ${PROBE_UNTIL_STEP}`).toBeGreaterThanOrEqual(MIN_PROBES)

    const t0 = performance.now()
    await page.keyboard.press('Escape')
    await page.getByTestId('run-cancelled').waitFor({ timeout: 30_000 })
    const cancelMs = performance.now() - t0
    const tasks = await longTasks(page)
    const clicks = await clickDelays(page)
    const longest = Math.max(0, ...tasks)
    console.log(
      `live chart, ${LONG_RUN} steps F8B0: round trips ${trips.map((t) => t.toFixed(0)).join(' ')} ms; ` +
        `clicks ${clicks.map((t) => t.toFixed(0)).join(' ')} ms; chart steps ${grown.join(' ')}; ` +
        `long tasks ${tasks.length}, longest ${longest.toFixed(0)} ms; Esc → cancelled ${cancelMs.toFixed(0)} ms`
    )
    await expect(page.getByTestId('run-cancelled').textContent()).resolves.toMatch(
      new RegExp(`^Cancelled at step \\d+ of ${LONG_RUN}$`)
    )
    expect(grown[grown.length - 1], 'the run is still under way while probed').toBeLessThan(LONG_RUN)
    // Every probe was answered, and every click handled within the bound, as the page saw it.
    expect(clicks).toHaveLength(trips.length)
    for (const t of trips) expect(t).toBeLessThan(PROBE_LIMIT_MS)
    for (const t of clicks) expect(t).toBeLessThan(CLICK_MS)
    expect(longest).toBeLessThan(LONGEST_TASK_MS)
    expect(cancelMs).toBeLessThan(CANCEL_MS)
    // The chart kept growing while the page was probed.
    expect(grown).toEqual([...grown].sort((a, b) => a - b))
    expect(grown[grown.length - 1]).toBeGreaterThan(grown[0])
    await screenshot(page, 'live-chart-cancelled')
  })

  it('a finished run of 300 steps: the chart equals its trace, a cell per step and the cached ones marked', async () => {
    const { page } = studio
    const steps = 300
    await page.getByTestId('steps').fill(String(steps))
    await page.getByTestId('generate').click()
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 90_000 })
    const metas = await galleryList(studio)
    expect(metas).toHaveLength(1)
    const entry = await galleryEntry(studio, metas[0].id)
    const trace: StepTrace[] = entry.trace
    expect(await chartSteps(page, PROBE)).toBe(steps)
    // One lane per series, one cell per step: each cell's state is the trace's decision of that step.
    const series = [...new Set(trace.map((t) => `${t.transformer}/${t.context}/${t.branch}`))]
    const lanes = await page
      .locator('.decision-lane')
      .evaluateAll((els) =>
        els.map((el) => Array.from(el.querySelectorAll('.lane-cell'), (c) => c.getAttribute('data-state')))
      )
    expect(lanes).toHaveLength(series.length)
    const warmup = entry.recipe.cache.maxWarmupSteps
    series.forEach((key, i) => {
      const expected = Array.from({ length: steps }, (_, step) => {
        const t = trace.find((x) => x.step === step && `${x.transformer}/${x.context}/${x.branch}` === key)
        return !t ? 'pending' : t.cached ? 'cached' : step < warmup ? 'warmup' : 'computed'
      })
      expect(lanes[i]).toEqual(expected)
    })
    const cached = trace.filter((t) => t.cached).length
    expect(cached).toBeGreaterThan(0)
    expect(await page.locator('.cache-chart path[data-cached="true"]').count()).toBe(
      trace.filter((t) => t.cached && t.distance !== null).length
    )
    const inTable = (await page.getByTestId('cached-count').allTextContents()).reduce(
      (n, c) => n + Number(c),
      0
    )
    expect(inTable).toBe(cached)
    await screenshot(page, 'live-chart-done')
  })
})
