import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelInfo } from '../../src/shared/manifest'
import { layoutProblems } from './harness/layout-checks'
import { screenshot } from './harness/screenshots'
import { openStudio, type StudioPage } from './harness/studio-page'

/**
 * A walk through the four views as a user meets them: empty at first, then Generate with an F8B0
 * run of the embedded tiny image model, Compare with its uncached pair, Gallery with a few
 * entries, Settings. Each view is drawn at 1280×800 and at 1024×700, the narrowest window the
 * views are laid out for (views/narrow.css), saved under test-results/walk-*.png, and checked for
 * what a user would see as broken: anything past the window's edge, cut labels, cut text,
 * controls drawn over one another.
 */
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 }
] as const
const VIEWS = [
  { label: 'Generate', testId: 'generate-view' },
  { label: 'Compare', testId: 'compare-view' },
  { label: 'Gallery', testId: 'gallery-view' },
  { label: 'Settings', testId: 'settings-view' }
] as const
type ViewLabel = (typeof VIEWS)[number]['label']

let studio: StudioPage
let image: ModelInfo
let video: ModelInfo

beforeAll(async () => {
  studio = await openStudio()
  await studio.page.locator('[data-testid="engine-status"][data-state="ready"]').waitFor({ timeout: 90_000 })
  const models = (await studio.backend.invoke('listModels', [])) as { ok: true; value: ModelInfo[] }
  const embedded = models.value.filter((m) => m.embedded)
  image = embedded.find((m) => m.kind === 'image')!
  video = embedded.find((m) => m.kind === 'video')!
})
afterAll(() => studio?.close())

/** Opens a view by its nav entry: the view shows and the entry says it is the current page. */
async function open(label: ViewLabel): Promise<void> {
  const { page } = studio
  const entry = page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: label })
  await entry.click()
  await page.getByTestId(VIEWS.find((v) => v.label === label)!.testId).waitFor()
  await expect(entry.getAttribute('aria-current')).resolves.toBe('page')
}

/** Each size in turn: a screenshot to look at, and no layout problem a user would see. */
async function walk(name: string, settle?: () => Promise<void>): Promise<void> {
  const { page } = studio
  for (const size of SIZES) {
    await page.setViewportSize(size)
    await settle?.()
    // Charts size themselves after a resize (ResizeObserver): let them draw before looking.
    await page.waitForTimeout(300)
    await screenshot(page, `walk-${name}-${size.width}`)
    const problems = await layoutProblems(page)
    expect.soft(problems, `${name} at ${size.width}×${size.height}`).toEqual({
      pastWindow: [],
      clippedLabels: [],
      clippedText: [],
      spilledText: [],
      pastPadding: [],
      overlappingControls: []
    })
    expect.soft(await loneLegendItems(), `${name} at ${size.width}×${size.height}`).toEqual([])
    expect.soft(await wideSummaries(), `${name} at ${size.width}×${size.height}`).toEqual([])
  }
}

/** Cache summaries wider than their box: the table would scroll sideways, or run out of its card. */
function wideSummaries(): Promise<string[]> {
  return studio.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="cache-summary"]')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `the cache summary needs ${el.scrollWidth} px, has ${el.clientWidth}`)
  )
}

/**
 * Chart legends that wrapped and left one item alone under a line of several (a flex row of five
 * left the fifth so in a narrow card). A line per item, where no two fit side by side, is a list.
 */
function loneLegendItems(): Promise<string[]> {
  return studio.page.evaluate(() =>
    [...document.querySelectorAll('.chart-legend')].flatMap((legend) => {
      const lines = new Map<number, string[]>()
      for (const item of legend.querySelectorAll('.chart-legend-item')) {
        const top = Math.round(item.getBoundingClientRect().top)
        lines.set(top, [...(lines.get(top) ?? []), (item.textContent ?? '').trim()])
      }
      const rows = [...lines.values()]
      return rows.some((r, i) => i > 0 && r.length === 1 && rows[i - 1].length > 1)
        ? [rows.map((r) => r.join(', ')).join(' / ')]
        : []
    })
  )
}

/** Scrolls every scrolling column of the view to its end: what is below the fold, drawn. */
async function scrollToEnd(): Promise<void> {
  await studio.page.evaluate(() => {
    for (const el of document.querySelectorAll('#root *')) {
      const s = getComputedStyle(el)
      if (s.overflowY === 'auto' || s.overflowY === 'scroll') el.scrollTop = el.scrollHeight
    }
  })
}

/** The heights of the view headers (Compare, Gallery, Settings): one line across the views. */
async function headerHeight(): Promise<number> {
  const box = await studio.page.locator('.view-header').first().boundingBox()
  return box!.height
}

describe('every view at 1280 and 1024 px wide, as a user walks through them', () => {
  it('reaches every view by its nav entry, and each empty view says what goes there', async () => {
    const { page } = studio
    const headers: Record<string, number> = {}
    for (const { label } of VIEWS) {
      await open(label)
      await walk(`${label.toLowerCase()}-empty`)
      if (label !== 'Generate') headers[label] = await headerHeight()
    }
    // Switching views, the header's rule under the title stays where it was.
    expect(new Set(Object.values(headers)).size, JSON.stringify(headers)).toBe(1)
    await open('Compare')
    await expect(page.locator('.compare-view .empty-note').textContent()).resolves.toMatch(
      /Pick a cached run/
    )
    await open('Gallery')
    await expect(page.locator('.gallery-main .empty-note').textContent()).resolves.toMatch(/Nothing here yet/)
  })

  it('Generate after an F8B0 run of the embedded image model: picture, facts, chart and table', async () => {
    const { page } = studio
    await open('Generate')
    await page.getByTestId('model-select').selectOption(image.id)
    await page.locator('[data-preset="F8B0"]').click()
    await page.locator('.suggestions .chip').nth(1).click()
    await page.getByTestId('generate').click()
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 90_000 })
    await page.getByTestId('compare-uncached').waitFor()
    await walk('generate-done')
    await walk('generate-done-end', scrollToEnd)
  })

  it('Compare a cached run with its uncached pair: metrics, three panes, both charts', async () => {
    const { page } = studio
    await page.getByTestId('compare-uncached').click()
    await page.getByTestId('compare-view').waitFor()
    await page.getByTestId('psnr').waitFor({ timeout: 100_000 })
    for (const id of ['compare-cached', 'compare-uncached', 'compare-heatmap'])
      await page.locator(`[data-testid="${id}"][data-ready="true"]`).waitFor()
    await walk('compare')
    await walk('compare-end', scrollToEnd)
  })

  it('Gallery with a few entries, images and a video, one selected', async () => {
    const { page } = studio
    // Two more outputs: another image prompt and seed, and a short video of the embedded video model,
    // long enough past F8B0's 8 warmup steps that its detail's chart and summary hold distances.
    const runs = [
      {
        model: image.id,
        prompt: 'a green square at the top left on a white background',
        seed: 3,
        preset: 'F1B0',
        steps: 8
      },
      {
        model: video.id,
        prompt: 'a red circle at the center on a blue background',
        seed: 5,
        preset: 'F8B0',
        steps: 16
      }
    ]
    for (const [i, r] of runs.entries()) {
      const request = {
        model: r.model,
        prompt: r.prompt,
        seed: r.seed,
        steps: r.steps,
        cache: { preset: r.preset }
      }
      const reply = (await studio.backend.invoke('generate', [{ jobId: `walk-${i}`, request }])) as {
        ok: boolean
      }
      expect(reply.ok, JSON.stringify(reply)).toBe(true)
    }
    await open('Gallery')
    const cards = page.getByTestId('gallery-card')
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(4)
    await cards.first().click()
    await page.getByTestId('gallery-detail').waitFor()
    await walk('gallery-video')
    await walk('gallery-video-end', scrollToEnd)
    await cards.last().click()
    await page.locator('[data-testid="gallery-image"][data-ready="true"]').waitFor()
    await walk('gallery')
    await walk('gallery-end', scrollToEnd)
  })

  it('Settings with the models listed', async () => {
    const { page } = studio
    await open('Settings')
    await page.locator('.data-table td', { hasText: 'embedded' }).first().waitFor()
    await walk('settings')
    await walk('settings-end', scrollToEnd)
  })

  it('Compare and Generate keep their content when the window is resized after a run', async () => {
    await open('Compare')
    await walk('compare-after-gallery')
    await open('Generate')
    await walk('generate-after-walk')
  })

  it('Generate while a run is under way, then cancelled: preview, progress, live facts, Cancel', async () => {
    const { page } = studio
    await page.setViewportSize(SIZES[0])
    await open('Generate')
    // The most steps a request takes: at F8B0's pace a 400-step run sometimes ended while the walk
    // was still looking at it, before Esc.
    await page.getByTestId('steps').fill('1000')
    await page.getByTestId('generate').click()
    await page.getByTestId('cancel').waitFor()
    await expect
      .poll(() => page.getByTestId('cache-chart').first().getAttribute('data-steps').then(Number), {
        timeout: 60_000
      })
      .toBeGreaterThan(20)
    // The live facts name the model as the saved entry will, not by its id.
    await expect(page.getByTestId('run-facts').textContent()).resolves.toContain(`Model${image.name}`)
    await walk('generate-running')
    await page.keyboard.press('Escape')
    await page.getByTestId('run-cancelled').waitFor({ timeout: 60_000 })
    await walk('generate-cancelled')
    await page.getByTestId('steps').fill(String(image.defaults.steps))
  })

  it('the layout check itself: it names a cut label, text past the window and controls drawn over each other', async () => {
    const { page } = studio
    await page.setViewportSize(SIZES[1])
    await open('Settings')
    // Faults a user would see, put in on purpose: a nav entry too narrow for its label, the title
    // bar's subtitle wider than the window, the threads input slid over its Save button.
    // (Set through the CSSOM: the app's CSP refuses an injected <style>.)
    const fault = (on: boolean) =>
      page.evaluate((on) => {
        const set = (selector: string, style: Partial<CSSStyleDeclaration>) => {
          const el = document.querySelector<HTMLElement>(selector)!
          for (const key of Object.keys(style) as (keyof CSSStyleDeclaration & string)[])
            el.style.setProperty(
              key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
              on ? String(style[key]) : ''
            )
        }
        set('.nav-item[aria-current="page"]', { width: '40px', overflow: 'hidden' })
        set('.titlebar-sub', { width: '2000px', display: 'block', flex: 'none' })
        set('[data-testid="threads"]', { position: 'relative', left: '60px' })
      }, on)
    await fault(true)
    try {
      const problems = await layoutProblems(page)
      expect(problems.clippedLabels.join()).toContain('Settings')
      expect(problems.pastWindow.join()).toMatch(/the page is \d+ px wide in a 1024 px window/)
      expect(problems.pastWindow.join()).toContain('titlebar-sub')
      expect(problems.overlappingControls.join()).toMatch(/input\[data-testid=threads\].* over button/)
    } finally {
      await fault(false)
    }
    expect(await layoutProblems(page)).toEqual({
      pastWindow: [],
      clippedLabels: [],
      clippedText: [],
      spilledText: [],
      pastPadding: [],
      overlappingControls: []
    })
  })
})
