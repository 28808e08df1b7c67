import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ModelInfo } from '../../src/shared/manifest'
import { electronMock } from '../main/electron-mock'
import { disk } from '../main/full-disk'
import { chartSteps, expectChartGrew, watchChartGrowth } from './harness/chart-growth'
import { screenshot } from './harness/screenshots'
import { compareUncached, expectComparePanes, galleryList, listModels } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

// The gallery writes through node:fs/promises in this process; a test fills the disk there.
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../main/full-disk')).fullDiskFsPromises(await importOriginal())
)

/**
 * The studio UI against the real engine: generate with F8B0 and watch the chart fill, compare
 * with the uncached run, the gallery, cancel, and the custom form refusing bad values. One page
 * for the file: each test starts where the previous one left the app, as a user would.
 */
let studio: StudioPage
let model: ModelInfo

beforeAll(async () => {
  studio = await openReadyStudio()
  const { page } = studio
  // The embedded image model the app ships (the largest embedded image model listed).
  model = (await listModels(studio))
    .filter((m) => m.embedded && m.kind === 'image')
    .sort((a, b) => b.sizeBytes - a.sizeBytes)[0]
  await warmUp(model.id)
  await page.getByTestId('model-select').selectOption(model.id)
})
afterAll(() => studio?.close())

/**
 * Warms the engine for a model (sessions for the uncached and the F8B0 block segments) with two
 * short runs and drops them, so the measured runs compare the steady state, not a first run's setup.
 */
async function warmUp(modelId: string): Promise<void> {
  for (const preset of ['none', 'F8B0'] as const) {
    const request = { model: modelId, prompt: 'warm up', seed: 1, steps: 2, cache: { preset } }
    const reply = (await studio.backend.invoke('generate', [
      { jobId: `warm-${modelId}-${preset}`, request }
    ])) as {
      ok: true
      value: { entryId: string }
    }
    await studio.backend.invoke('deleteGalleryEntry', [{ id: reply.value.entryId }])
  }
}

describe('studio UI in Chromium, real engine', () => {
  it('generates an image with F8B0: the chart fills in step by step and marks the cached steps', async () => {
    const { page } = studio
    await page.locator('.suggestions .chip').nth(1).click()
    const prompt = await page.getByTestId('prompt').inputValue()
    expect(prompt).toMatch(/^a \w+ \w+ at the .+ on a \w+ background$/)
    await page.locator('[data-preset="F8B0"]').click()
    await page.getByTestId('seed').fill('7')
    await page.getByTestId('seed-lock').click()

    // Every value the chart's step count takes, recorded in the page as it renders: it must grow
    // while the run is under way, not jump to the end.
    await watchChartGrowth(page)
    await page.keyboard.press('Control+Enter')
    await page.getByTestId('progress').waitFor()
    await expect
      .poll(() => chartSteps(page), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(Math.floor(model.defaults.steps / 3))
    await screenshot(page, 'generate-running')
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor()
    await expectChartGrew(page, model.defaults.steps)
    // Cached steps are drawn apart: diamonds on the lines, teal cells in the lanes, counted in the table.
    const cachedDots = await page.locator('.cache-chart path[data-cached="true"]').count()
    const cachedCells = await page.locator('.lane-cell[data-state="cached"]').count()
    const counts = await page.getByTestId('cached-count').allTextContents()
    const cachedInTable = counts.reduce((n, c) => n + Number(c), 0)
    expect(cachedInTable).toBeGreaterThan(0)
    expect(cachedCells).toBe(cachedInTable)
    expect(cachedDots).toBe(cachedInTable)
    await expect(page.getByTestId('block-speedup').textContent()).resolves.toMatch(/^\d+\.\d\d×$/)
    // The facts say which thread layout ran and why (docs/engine.md, "Choosing the layout at load").
    await expect(page.getByTestId('run-facts').textContent()).resolves.toMatch(
      /Threads(2 CFG lanes × )?(auto threads|\d+ threads?)(, CFG batched)? \((set|measured|default)\)/
    )

    // Hovering a step shows its numbers.
    const box = (await page.locator('.cache-chart .recharts-surface').first().boundingBox())!
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2)
    await page.locator('.chart-tooltip').waitFor()
    await expect(page.locator('.chart-tooltip').textContent()).resolves.toMatch(/Step \d+.*(cached|computed)/)
    await screenshot(page, 'generate-done')
  })

  it('compares with the same recipe uncached and shows PSNR, SSIM, both times and the speedup', async () => {
    const { page } = studio
    await compareUncached(page)
    const psnr = (await page.getByTestId('psnr').textContent())!
    const ssim = Number(await page.getByTestId('ssim').textContent())
    const speedup = (await page.getByTestId('speedup').textContent())!
    expect(psnr).toMatch(/^(\d+\.\d\d dB|≥ 99 dB)$/)
    expect(parseFloat(psnr.replace('≥ ', ''))).toBeGreaterThan(10)
    expect(ssim).toBeGreaterThan(0)
    expect(ssim).toBeLessThanOrEqual(1)
    expect(speedup).toMatch(/^\d+\.\d\d×$/)
    // The speedup is the uncached denoise time over the cached one, the two times the view shows
    // (warm sessions, no preparation or preview decoding in either; it once divided totals that a
    // cold start made up). Not a timing assertion: whatever the machine's load, the ratio of the
    // shown times must be the shown speedup, to the times' display precision.
    const ms = async (id: string): Promise<number> => {
      const text = (await page.getByTestId(id).textContent())!
      const m = /(\d+(?:\.\d+)?) (ms|s)$/.exec(text)
      expect(m, text).not.toBeNull()
      return Number(m![1]) * (m![2] === 's' ? 1000 : 1)
    }
    const shownRatio = (await ms('time-uncached')) / (await ms('time-cached'))
    expect(Math.abs(shownRatio / parseFloat(speedup) - 1)).toBeLessThan(0.06)
    for (const id of ['prep-cached', 'prep-uncached'])
      await expect(page.getByTestId(id).textContent()).resolves.toMatch(/^prep \d+(\.\d+)? (ms|s) · total /)
    await expectComparePanes(page)
    // Zoom is synced: wheel over one pane scales all three.
    const pane = (await page.getByTestId('pane-cached').boundingBox())!
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2)
    await page.mouse.wheel(0, -300)
    const transforms = (): Promise<(string | null)[]> =>
      page.locator('.zoom-content').evaluateAll((els) => els.map((e) => e.getAttribute('style')))
    await expect.poll(async () => (await transforms())[0]).toContain('scale(1.25)')
    expect(new Set(await transforms()).size).toBe(1)
    await page.locator('.zoom-stage').first().dblclick()
    await screenshot(page, 'compare')
  })

  it('keeps both runs in the gallery with their recipe and chart; delete can be undone', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Gallery' }).click()
    const cards = page.getByTestId('gallery-card')
    await expect(cards.count()).resolves.toBe(2)
    await cards.last().click()
    await page.getByTestId('gallery-detail').waitFor()
    await page.locator('[data-testid="gallery-image"][data-ready="true"]').waitFor()
    await expect(page.getByTestId('recipe').textContent()).resolves.toContain('F8B0')
    await screenshot(page, 'gallery')
    await page.getByTestId('delete').click()
    await page.getByTestId('undo-toast').waitFor()
    await expect(cards.count()).resolves.toBe(1)
    await page.getByTestId('undo').click()
    await expect.poll(() => cards.count()).toBe(2)
  })

  it('cancels a run with Esc and says so', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Generate' }).first().click()
    await page.getByTestId('steps').fill('300')
    await page.getByTestId('generate').click()
    await page.getByTestId('progress').waitFor()
    await expect.poll(() => chartSteps(page), { timeout: 60_000 }).toBeGreaterThan(1)
    await page.keyboard.press('Escape')
    await page.getByTestId('run-cancelled').waitFor({ timeout: 60_000 })
    await expect(page.getByTestId('run-cancelled').textContent()).resolves.toMatch(
      /^Cancelled at step \d+ of 300$/
    )
    await expect(page.getByTestId('generate').isEnabled()).resolves.toBe(true)
    // Nothing half-made reaches the gallery.
    expect(await galleryList(studio)).toHaveLength(2)
  })

  it('a full disk: the run ends with an error that says so, the gallery keeps its entries, the next run saves', async () => {
    const { page } = studio
    const gallery = () => galleryList(studio)
    const before = await gallery()
    await page.getByTestId('steps').fill('3')
    disk.full = true
    try {
      await page.getByTestId('generate').click()
      await page.getByTestId('run-error').waitFor({ timeout: 60_000 })
    } finally {
      disk.full = false
    }
    await expect(page.getByTestId('run-error').textContent()).resolves.toMatch(
      /could not be saved: the disk is full .*Nothing saved before was changed; free some space and try again/
    )
    await screenshot(page, 'generate-disk-full')
    expect(await gallery()).toEqual(before)
    await expect(page.getByTestId('generate').isEnabled()).resolves.toBe(true)
    await page.getByTestId('generate').click()
    await expect.poll(async () => (await gallery()).length, { timeout: 60_000 }).toBe(before.length + 1)
    await expect(page.getByTestId('run-error').count()).resolves.toBe(0)
  })

  it('refuses bad custom-preset values next to the field and will not generate until they are fixed', async () => {
    const { page } = studio
    await page.getByTestId('steps').fill(String(model.defaults.steps))
    await page.locator('[data-preset="custom"]').click()
    await page.getByTestId('custom-cache-form').waitFor()
    await page.locator('#cache-Fn').fill('0')
    await expect(page.getByTestId('error-Fn').textContent()).resolves.toMatch(/>=1/)
    await page.locator('#cache-residualDiffThreshold').fill('abc')
    await expect(page.getByTestId('error-residualDiffThreshold').textContent()).resolves.toBe(
      '"abc" is not a number'
    )
    await page.locator('#cache-taylorSeer-order').fill('9')
    await expect(page.getByTestId('error-taylorSeer.order').textContent()).resolves.toMatch(/<=4/)
    await expect(page.getByTestId('generate').isDisabled()).resolves.toBe(true)
    await page.locator('#cache-Fn').fill('1')
    await page.locator('#cache-residualDiffThreshold').fill('0.1')
    await expect(page.getByTestId('generate').isDisabled()).resolves.toBe(true)
    await page.locator('#cache-taylorSeer-order').fill('2')
    await expect(page.getByTestId('error-Fn').count()).resolves.toBe(0)
    await expect(page.getByTestId('generate').isEnabled()).resolves.toBe(true)

    // The smallest supported window: nothing spills sideways.
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.locator('#cache-Fn').fill('0')
    await page.locator('#cache-Fn').scrollIntoViewIfNeeded()
    // (The page function runs in Chromium; `globalThis` keeps it free of DOM types here.)
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth
    )
    expect(width).toBeLessThanOrEqual(1024)
    await screenshot(page, 'generate-custom-1024')
  })

  it("counts the prompt's tokens against the model's limit and says what a long prompt drops", async () => {
    const { page } = studio
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.locator('[data-preset="F8B0"]').click()
    const before = await page.getByTestId('prompt').inputValue()
    const count = () => page.getByTestId('prompt-tokens').textContent()
    await expect.poll(count).toBe(`${before.split(' ').length} / 16 tokens`)
    await expect(page.getByTestId('prompt-token-warning').count()).resolves.toBe(0)
    const long = `${before} and a green square at the bottom right on a white background`
    await page.getByTestId('prompt').fill(long)
    await expect.poll(count).toBe(`${long.split(' ').length} / 16 tokens`)
    const warning = (await page.getByTestId('prompt-token-warning').textContent())!
    expect(warning).toContain('Only the first 16 tokens reach the model')
    expect(warning).toContain('“and”')
    await expect(page.getByTestId('prompt-kept').textContent()).resolves.toContain(before)
    await screenshot(page, 'generate-long-prompt')
    await page.getByTestId('prompt').fill(before)
  })

  it('generates a video from the two-expert model: a series per transformer and branch, compared frame by frame with synced playback', async () => {
    const { page } = studio
    const video = (await listModels(studio)).find(
      (m) => m.embedded && m.kind === 'video' && m.transformers.length > 1
    )
    expect(video, 'an embedded video model with high- and low-noise experts').toBeDefined()
    await page.setViewportSize({ width: 1280, height: 800 })
    await warmUp(video!.id)
    await page.getByTestId('model-select').selectOption(video!.id)
    await page.locator('[data-preset="F8B0"]').click()
    await page.getByTestId('steps').fill('16')
    await page.locator('.suggestions .chip').first().click()
    await page.getByTestId('generate').click()
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 100_000 })
    const legend = await page.locator('.cache-chart .chart-legend-item').allTextContents()
    for (const t of video!.transformers) {
      expect(legend).toContain(`${t.name} · cond`)
      expect(legend).toContain(`${t.name} · uncond`)
    }
    await expect(page.getByTestId('playback').count()).resolves.toBe(1)

    await compareUncached(page)
    // Scrub to frame 4: the three panes and the per-frame numbers all follow.
    await page.getByRole('button', { name: 'Pause' }).click()
    const slider = page.getByLabel('Frame')
    await slider.focus()
    await slider.press('Home')
    for (let i = 0; i < 3; i++) await slider.press('ArrowRight')
    await expect(page.locator('.metric-note').first().textContent()).resolves.toMatch(/^frame 4: /)
    await expect(page.getByTestId('playback').textContent()).resolves.toContain(`4/${video!.output.frames}`)
    await screenshot(page, 'compare-video')
  })

  it('adds a model folder or refuses it with the reason; settings are validated and kept by main', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByTestId('settings-view').waitFor()
    await expect(page.getByTestId('provider-field').textContent()).resolves.toContain('available')

    // A folder that is not a model package: refused, with the engine's reason.
    electronMock.dialogResult = { canceled: false, filePaths: [resolve('test/fixtures')] }
    await page.getByRole('button', { name: 'Add model folder…' }).click()
    await expect(page.getByRole('alert').filter({ hasText: 'Refused:' }).textContent()).resolves.toMatch(
      /^Refused: .+/
    )

    // A valid package (a fixture copied under a new id): listed and selected.
    const dir = await mkdtemp(join(tmpdir(), 'studio-model-'))
    await cp(resolve('test/fixtures/models/tiny-p3'), join(dir, 'tiny-added'), { recursive: true })
    const manifest = join(dir, 'tiny-added', 'model.json')
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8')).replace(/"id": "[^"]+"/, '"id": "tiny-added"')
    )
    electronMock.dialogResult = { canceled: false, filePaths: [join(dir, 'tiny-added')] }
    await page.getByRole('button', { name: 'Add model folder…' }).click()
    await page.locator('.data-table td', { hasText: 'added' }).first().waitFor()

    // Threads: a bad value is refused in the page; a good one is saved by main.
    await page.getByTestId('threads').fill('-2')
    await page.getByTestId('threads').locator('..').getByRole('button', { name: 'Save' }).click()
    await expect(page.getByTestId('settings-error').textContent()).resolves.toMatch(/threads/)
    await page.getByTestId('threads').fill('2')
    await page.getByTestId('threads').locator('..').getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => page.getByTestId('settings-error').count()).toBe(0)
    const saved = (await studio.backend.invoke('getSettings', [])) as {
      ok: true
      value: { threads: number; extraModelDirs: string[] }
    }
    expect(saved.value.threads).toBe(2)
    expect(saved.value.extraModelDirs).toContain(join(dir, 'tiny-added'))
    await screenshot(page, 'settings')
    // The added model is the one selected in Generate.
    await page.getByRole('button', { name: 'Generate' }).first().click()
    await expect(page.getByTestId('model-select').inputValue()).resolves.toBe('tiny-added')
    await rm(dir, { recursive: true, force: true })
  })
})
