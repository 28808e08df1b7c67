import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import type { GalleryEntry, GalleryEntryMeta } from '../../../src/shared/gallery'
import type { ModelInfo } from '../../../src/shared/manifest'
import { electronMock } from '../../main/electron-mock'
import type { StudioPage } from './studio-page'

/**
 * What the e2e tests do on the page and ask the real handlers behind it:
 * the models and gallery entries main answers, Add model with a folder picked in the dialog,
 * Generate until its entry is saved, Compare with the uncached twin, and what a <video> element
 * shows once loaded.
 */

export async function listModels(studio: StudioPage): Promise<ModelInfo[]> {
  const r = (await studio.backend.invoke('listModels', [])) as { ok: true; value: ModelInfo[] }
  return r.value
}

export async function galleryList(studio: StudioPage): Promise<GalleryEntryMeta[]> {
  const list = (await studio.backend.invoke('listGallery', [])) as { ok: true; value: GalleryEntryMeta[] }
  return list.value
}

export async function galleryIds(studio: StudioPage): Promise<string[]> {
  return (await galleryList(studio)).map((e) => e.id)
}

export async function galleryEntry(studio: StudioPage, id: string): Promise<GalleryEntry> {
  const r = (await studio.backend.invoke('getGalleryEntry', [{ id }])) as { ok: true; value: GalleryEntry }
  return r.value
}

/** Add model on the page with `folder` (absolute) picked in the dialog; answers the model it imported. */
export async function addModel(studio: StudioPage, folder: string): Promise<ModelInfo> {
  const { page } = studio
  const before = new Set((await listModels(studio)).map((m) => m.id))
  electronMock.dialogResult = { canceled: false, filePaths: [folder] }
  await page.getByTestId('add-model').click()
  await page
    .getByTestId('add-model-notice')
    .getByText(/^imported as /)
    .waitFor({ timeout: 90_000 })
  const added = (await listModels(studio)).find((m) => !before.has(m.id) && m.sourceDir === folder)
  if (!added) throw new Error(`${folder}: not listed after Add model`)
  await expect(page.getByTestId('model-select').inputValue()).resolves.toBe(added.id)
  return added
}

/** Generate on the page; answers the gallery entry it saved. */
export async function generateEntry(studio: StudioPage): Promise<GalleryEntry> {
  const { page } = studio
  const before = await galleryIds(studio)
  await page.getByTestId('generate').click()
  await expect
    .poll(async () => (await galleryIds(studio)).length, { timeout: 90_000, interval: 250 })
    .toBe(before.length + 1)
  await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 30_000 })
  expect(await page.getByTestId('run-error').count()).toBe(0)
  const id = (await galleryIds(studio)).find((e) => !before.includes(e))!
  return galleryEntry(studio, id)
}

/**
 * Compare with the uncached twin of the run on show: the view opens, and its metrics come (or
 * its error, which fails here with the error's text) within `timeout`, the twin's run included.
 */
export async function compareUncached(page: Page, timeout = 100_000): Promise<void> {
  await page.getByTestId('compare-uncached').click()
  await page.getByTestId('compare-view').waitFor()
  await page.locator('[data-testid="psnr"], [data-testid="compare-error"]').first().waitFor({ timeout })
  expect(
    await page.getByTestId('compare-error').count(),
    (await page.getByTestId('compare-error').allTextContents()).join()
  ).toBe(0)
}

/** The compare view's three panes drawn (cached, uncached, their difference) and a chart for each run. */
export async function expectComparePanes(page: Page): Promise<void> {
  for (const id of ['compare-cached', 'compare-uncached', 'compare-heatmap']) {
    await page.locator(`[data-testid="${id}"][data-ready="true"]`).waitFor()
  }
  await expect(page.locator('.compare-charts .cache-chart').count()).resolves.toBe(2)
}

/** What the page's <video> element says once it has loaded its source. */
export async function player(studio: StudioPage, testId: string) {
  const handle = studio.page.getByTestId(testId)
  await handle.waitFor()
  await expect
    .poll(() => handle.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2) // HAVE_CURRENT_DATA: a decoded frame is there
  return handle.evaluate((v: HTMLVideoElement) => ({
    src: v.currentSrc,
    width: v.videoWidth,
    height: v.videoHeight,
    duration: v.duration,
    paused: v.paused,
    error: v.error?.message ?? null
  }))
}
