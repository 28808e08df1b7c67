import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshot } from './harness/screenshots'
import { addModel, compareUncached, galleryEntry, galleryIds, player } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * A Wan 2.1 video model in the app (issue 16), as a user works with it: the wan2.1-tiny ONNX
 * diffusers folders added through Add model in Chromium and imported by the real engine. The
 * TorchScript export is static (one size, one frame count, no VAE graph): the generate view offers
 * only that shape and says why. The dynamo export takes any size; its VAE fixes 9 frames. A video
 * generated with F1B0 and its uncached twin are saved as WebM files the compare view plays side
 * by side.
 */
const WAN_TORCHSCRIPT = resolve('test/fixtures/diffusers/wan2.1-tiny/onnx')
const WAN_DYNAMO = resolve('test/fixtures/diffusers/wan2.1-tiny/onnx-dynamo')
let studio: StudioPage

beforeAll(async () => {
  studio = await openReadyStudio()
})
afterAll(() => studio?.close())

describe('a Wan 2.1 video model through Add model, in Chromium with the real engine', () => {
  it('a static export: the card says static, the view offers its one size and frame count and says why', async () => {
    const { page } = studio
    const wan = await addModel(studio, WAN_TORCHSCRIPT)
    expect(wan).toMatchObject({
      family: 'wan',
      kind: 'video',
      precision: 'fp32',
      sizes: { fixed: { width: 64, height: 48 } },
      frames: { step: 4, fixed: 9 },
      guidance: 'cfg'
    })
    const meta = (await page.getByTestId('model-meta').textContent())!
    for (const word of ['video', 'wan', 'fp32', 'imported', 'static']) expect(meta).toContain(word)
    await expect(page.getByTestId('model-shape').textContent()).resolves.toBe('64×48 · 9 frames')
    await expect(page.getByTestId('block-lists').textContent()).resolves.toBe('blocks 6 (Pattern_2)')

    // One size, shown with the reason; one frame count, not changeable; CFG's two fields.
    await expect(page.getByTestId('width').count()).resolves.toBe(0)
    await expect(page.getByTestId('size-readout').textContent()).resolves.toBe('64×48')
    await expect(page.getByTestId('size-fixed-note').textContent()).resolves.toMatch(
      /^Static export: its graphs take 64×48 and 9 frames only/
    )
    await expect(page.getByTestId('frames').locator('option').allTextContents()).resolves.toEqual(['9'])
    await expect(page.getByTestId('frames').isDisabled()).resolves.toBe(true)
    await expect(page.getByLabel('Negative prompt').count()).resolves.toBe(1)
    await expect(page.getByTestId('guidance').inputValue()).resolves.toBe('5')
    // One transformer: no low-noise guidance. No VAE decoder graph: Generate off, the reason under it.
    expect(wan.secondExpert).toBeUndefined()
    await expect(page.getByTestId('guidance-2').count()).resolves.toBe(0)
    expect(wan.cannotGenerate).toMatch(/^No VAE decoder graph in this export: it cannot decode videos/)
    await expect(page.getByTestId('generate').isDisabled()).resolves.toBe(true)
    await expect(page.getByTestId('generate-why').textContent()).resolves.toBe(wan.cannotGenerate)
    await page.getByTestId('model-meta').scrollIntoViewIfNeeded()
    await screenshot(page, 'wan-static-export')
  })

  it('a dynamic export: the sizes it takes, its VAE frame count, F1B0 and uncached videos played side by side', async () => {
    const { page } = studio
    const wan = await addModel(studio, WAN_DYNAMO)
    expect(wan).toMatchObject({
      family: 'wan',
      kind: 'video',
      frames: { step: 4, fixed: 9 },
      guidance: 'cfg'
    })
    expect(wan.sizes?.fixed).toBeUndefined()
    expect(wan.cannotGenerate).toBeUndefined()
    const widths = await page.getByTestId('width').locator('option').allTextContents()
    expect(widths.slice(0, 4)).toEqual(['16', '32', '48', '64'])
    await expect(page.getByTestId('frames').locator('option').allTextContents()).resolves.toEqual(['9'])
    await expect(page.getByTestId('frames-fixed-note').textContent()).resolves.toMatch(/^Frames: 9 only/)

    await page.getByTestId('width').selectOption('64')
    await page.getByTestId('height').selectOption('48')
    await page.getByTestId('steps').fill('10')
    await page.getByTestId('prompt').fill('a red fox running through snow')
    await page.getByLabel('Negative prompt').fill('blurry')
    await page.locator('[data-preset="F1B0"]').click()
    const before = await galleryIds(studio)
    await page.getByTestId('generate').click()
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('run-error').count()).toBe(0)
    await screenshot(page, 'wan-generated-f1b0')

    const cachedId = (await galleryIds(studio)).find((id) => !before.includes(id))!
    const cached = await galleryEntry(studio, cachedId)
    expect(cached).toMatchObject({ kind: 'video', width: 64, height: 48, frames: 9 })
    expect(cached.recipe).toMatchObject({
      model: wan.id,
      preset: 'F1B0',
      negativePrompt: 'blurry',
      width: 64,
      height: 48,
      frames: 9,
      separateCfg: true
    })
    // Wan's CFG as two calls per step, each branch its own cache context (CacheDiT's Wan adapter).
    expect(cached.summary.contexts.map((c) => c.branch).sort()).toEqual(['cond', 'uncond'])
    expect(cached.summary.blocksRun).toBeLessThan(cached.summary.blocksTotal)

    await compareUncached(page, 120_000)
    const uncachedId = (await galleryIds(studio)).find((id) => !before.includes(id) && id !== cachedId)!
    const uncached = await galleryEntry(studio, uncachedId)
    expect(uncached.recipe.cache.enabled).toBe(false)
    expect(uncached.recipe).toMatchObject({ width: 64, height: 48, frames: 9, negativePrompt: 'blurry' })
    expect(uncached.summary.blocksRun).toBe(uncached.summary.blocksTotal)

    const shown = [
      await player(studio, 'compare-video-cached'),
      await player(studio, 'compare-video-uncached')
    ]
    for (const p of shown) {
      expect(p.error).toBeNull()
      expect(p.src).toMatch(/^blob:/)
      expect({ width: p.width, height: p.height }).toEqual({ width: 64, height: 48 })
      expect(p.duration).toBeCloseTo(9 / (cached.fps ?? 16), 2)
    }
    expect(shown[0].src).not.toBe(shown[1].src)
    const paused = () =>
      page.locator('.compare-videos video').evaluateAll((vs) => vs.map((v) => (v as HTMLVideoElement).paused))
    await expect.poll(paused).toEqual([false, false])
    await page.getByTestId('compare-videos').scrollIntoViewIfNeeded()
    await screenshot(page, 'wan-compare-videos')
  })
})
