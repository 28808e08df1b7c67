import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshot } from './harness/screenshots'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * The Generate view's step axis as Chromium draws it, after a finished run of 1000 steps (the
 * most the form takes) and of 28, and the Compare view's step-time chart: its labels are round step numbers and the last step, none drawn
 * over another, few enough to read (charts/step-ticks.ts).
 */
const MODEL = 'shapes-flux-tiny'

let studio: StudioPage

beforeAll(async () => {
  studio = await openReadyStudio({ model: MODEL })
})
afterAll(() => studio?.close())

interface Label {
  text: string
  left: number
  right: number
}

/** A chart's x-axis labels, left to right, with where each is drawn. */
function axisLabels(page: StudioPage['page'], chart = '[data-testid="cache-chart"]'): Promise<Label[]> {
  return page
    .locator(chart)
    .first()
    .locator('.recharts-xAxis-tick-labels text.recharts-cartesian-axis-tick-value')
    .evaluateAll((els) =>
      els
        .map((el) => {
          const r = el.getBoundingClientRect()
          return { text: (el.textContent ?? '').trim(), left: r.left, right: r.right }
        })
        .sort((a, b) => a.left - b.left)
    )
}

async function finishedRun(steps: number): Promise<Label[]> {
  const { page } = studio
  await page.getByTestId('steps').fill(String(steps))
  await page.getByTestId('generate').click()
  // Generate is Cancel while the run is under way.
  await page.getByTestId('generate').waitFor({ timeout: 120_000 })
  await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 30_000 })
  await expect(page.getByTestId('cache-chart').first().getAttribute('data-steps')).resolves.toBe(
    String(steps)
  )
  return axisLabels(page)
}

/** Labels that are round multiples of one step, the last step at the end, none overlapping. */
function expectReadable(labels: Label[], steps: number): void {
  const values = labels.map((l) => Number(l.text))
  expect(values[0]).toBe(0)
  expect(values[values.length - 1]).toBe(steps - 1)
  const every = values[1]
  values.slice(1, -1).forEach((v, i) => expect(v).toBe((i + 1) * every))
  expect([1, 2, 5, 10, 20, 50, 100, 200, 500]).toContain(every)
  for (let i = 1; i < labels.length; i++)
    expect(
      labels[i].left - labels[i - 1].right,
      `${labels[i - 1].text} → ${labels[i].text}`
    ).toBeGreaterThanOrEqual(8)
}

describe('the step axis of the Generate view', () => {
  it('after 1000 steps with F8B0: every 100th step and the last, readable', async () => {
    await studio.page.locator('[data-preset="F8B0"]').click()
    const labels = await finishedRun(1000)
    console.log(`1000 steps: ${labels.map((l) => l.text).join(' ')}`)
    expectReadable(labels, 1000)
    expect(labels.length).toBeGreaterThanOrEqual(5)
    expect(labels.length).toBeLessThanOrEqual(16)
    await screenshot(studio.page, 'step-axis-1000')
  })

  it('after 28 steps: round steps and the last, readable', async () => {
    const labels = await finishedRun(28)
    console.log(`28 steps: ${labels.map((l) => l.text).join(' ')}`)
    expectReadable(labels, 28)
    expect(labels.length).toBeGreaterThanOrEqual(5)
    await screenshot(studio.page, 'step-axis-28')
  })

  it('the Compare view’s step times of the 28-step run: the same axis', async () => {
    const { page } = studio
    await page.getByTestId('compare-uncached').click()
    await page.getByTestId('step-time-chart').waitFor({ timeout: 100_000 })
    const labels = await axisLabels(page, '[data-testid="step-time-chart"]')
    console.log(`step times, 28 steps: ${labels.map((l) => l.text).join(' ')}`)
    expectReadable(labels, 28)
    await page.getByTestId('step-time-chart').scrollIntoViewIfNeeded()
    await screenshot(page, 'step-axis-compare-28')
  })
})
