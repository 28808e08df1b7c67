import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelInfo } from '../../src/shared/manifest'
import { screenshot } from './harness/screenshots'
import { compareUncached, listModels, player } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * Saved videos in Chromium, as a player opens them: a video made in the app is a WebM that a
 * <video> element loads (its own demuxer and VP9 decoder: duration, size), the gallery plays it,
 * and the compare view plays the cached and the uncached file side by side, paused together.
 */
let studio: StudioPage
let video: ModelInfo

beforeAll(async () => {
  studio = await openReadyStudio()
  const found = (await listModels(studio)).find((m) => m.embedded && m.kind === 'video')
  if (!found) throw new Error('no embedded video model')
  video = found
})
afterAll(() => studio?.close())

describe('video files in the app', () => {
  it('a generated video is a WebM the compare view plays cached and uncached side by side', async () => {
    const { page } = studio
    await page.getByTestId('model-select').selectOption(video.id)
    await page.locator('[data-preset="F8B0"]').click()
    await page.getByTestId('steps').fill('12')
    await page.locator('.suggestions .chip').first().click()
    await page.getByTestId('generate').click()
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 100_000 })
    await compareUncached(page)

    const expected = { width: video.output.width, height: video.output.height }
    const duration = video.output.frames / (video.output.fps ?? 8)
    const cached = await player(studio, 'compare-video-cached')
    const uncached = await player(studio, 'compare-video-uncached')
    for (const p of [cached, uncached]) {
      expect(p.src).toMatch(/^blob:/)
      expect(p.error).toBeNull()
      expect({ width: p.width, height: p.height }).toEqual(expected)
      expect(p.duration).toBeCloseTo(duration, 2)
    }
    expect(cached.src).not.toBe(uncached.src)
    // Both play, and the compare view's one play/pause pauses both.
    const states = () =>
      page
        .locator('.compare-videos video')
        .evaluateAll((vs) =>
          vs.map((v) => ({ paused: (v as HTMLVideoElement).paused, t: (v as HTMLVideoElement).currentTime }))
        )
    await expect.poll(async () => (await states()).map((v) => v.paused)).toEqual([false, false])
    await page.getByTestId('compare-videos').scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-video-files')
    await page.getByRole('button', { name: 'Pause' }).click()
    await expect.poll(async () => (await states()).map((v) => v.paused)).toEqual([true, true])
    // Scrubbing the frames moves both players to that frame's moment.
    const slider = page.getByLabel('Frame')
    await slider.focus()
    await slider.press('Home')
    for (let i = 0; i < 3; i++) await slider.press('ArrowRight')
    const fps = video.output.fps ?? 8
    await expect
      .poll(async () => (await states()).map((v) => Math.round(v.t * fps * 2) / 2))
      .toEqual([3.5, 3.5]) // frame index 3 ("4/8"), mid-frame
    await page.getByTestId('compare-videos').scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-video-files-frame-4')
  })

  it('the gallery plays the saved WebM, and still steps through the exact frames', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Gallery' }).click()
    await page.getByTestId('gallery-card').first().click()
    await page.getByTestId('gallery-detail').waitFor()
    const shown = await player(studio, 'gallery-video')
    expect({ width: shown.width, height: shown.height }).toEqual({
      width: video.output.width,
      height: video.output.height
    })
    await expect(page.locator('.video-file-line').textContent()).resolves.toMatch(
      /video\.webm · VP9 · [\d.]+ (B|KB)/
    )
    await screenshot(page, 'gallery-video-file')
    await page.getByTestId('toggle-frames').click()
    await page.locator('[data-testid="gallery-image"][data-ready="true"]').waitFor()
    await expect(page.getByTestId('playback').count()).resolves.toBe(1)
  })
})
