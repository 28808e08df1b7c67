import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GalleryEntry } from '../../src/shared/gallery'
import type { ModelInfo } from '../../src/shared/manifest'
import { electronMock } from '../main/electron-mock'
import { screenshot } from './harness/screenshots'
import { galleryEntry, galleryIds, listModels } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * A real model in the app (issue 15): the flux-tiny ONNX diffusers folder (optimum's layout,
 * FluxPipeline) added through Add model in Chromium, imported by the real engine with its
 * progress on the page, shown in the picker with family, precision, size on disk and block
 * lists, then generated with at a size the model offers, uncached and with F1B0. Adding it again
 * is recognised; a broken copy is refused with its one line and the engine keeps serving.
 */
/** FLUX's two block lists as one cache context. */
const MERGED = 'transformer_blocks+single_transformer_blocks'
const FLUX_ONNX = resolve('test/fixtures/diffusers/flux-tiny/onnx')
let studio: StudioPage
let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-import-e2e-'))
  studio = await openReadyStudio()
})
afterAll(async () => {
  await studio?.close()
  await rm(scratch, { recursive: true, force: true })
})

/** Generates from the page with a preset and answers the gallery entry it saved. */
async function generate(preset: 'none' | 'F1B0' | 'custom'): Promise<GalleryEntry> {
  const { page } = studio
  const before = await galleryIds(studio)
  // The custom form is filled in before; clicking its preset again is not needed.
  if (preset !== 'custom') await page.locator(`[data-preset="${preset}"]`).click()
  await page.getByTestId('generate').click()
  await expect
    .poll(async () => (await galleryIds(studio)).length, { timeout: 60_000, interval: 250 })
    .toBe(before.length + 1)
  await page.getByTestId('generate').waitFor()
  await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 30_000 })
  expect(await page.getByTestId('run-error').count()).toBe(0)
  const id = (await galleryIds(studio)).find((e) => !before.includes(e))!
  return galleryEntry(studio, id)
}

describe('an ONNX diffusers folder through Add model, in Chromium with the real engine', () => {
  let flux: ModelInfo

  it('imports with its progress on the page, then lists it with family, precision, size on disk and block lists', async () => {
    const { page, backend } = studio
    // Hold main's answer until the progress lines on the page are seen (the tiny import is quick).
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => (release = r))
    const invoke = backend.invoke.bind(backend)
    backend.invoke = async (call, params) => {
      const answer = await invoke(call, params)
      if (call === 'addModel') await held
      return answer
    }
    electronMock.dialogResult = { canceled: false, filePaths: [FLUX_ONNX] }
    await page.getByTestId('add-model').click()
    const progress = page.getByTestId('add-model-progress')
    await progress.getByText(/imported as flux-tiny/).waitFor({ timeout: 60_000 })
    await expect(progress.textContent()).resolves.toMatch(/single_transformer_blocks: 4 blocks/)
    await screenshot(page, 'import-progress')
    release()
    backend.invoke = invoke

    await expect(page.getByTestId('add-model-notice').textContent()).resolves.toMatch(
      /^imported as flux-tiny \(.*models\/flux-tiny\)$/
    )
    flux = (await listModels(studio)).find((m) => m.family === 'flux')!
    expect(flux).toMatchObject({ id: 'flux-tiny', precision: 'fp32', sourceDir: FLUX_ONNX })
    await expect(page.getByTestId('model-select').inputValue()).resolves.toBe('flux-tiny')
    const meta = (await page.getByTestId('model-meta').textContent())!
    expect(meta).toMatch(/flux/)
    expect(meta).toMatch(/fp32/)
    expect(meta).toMatch(/imported/)
    expect(meta).toMatch(/\d+(\.\d)? (KB|MB) on disk/)
    await expect(page.getByTestId('block-lists').textContent()).resolves.toBe(
      'transformer_blocks 2 (Pattern_1) · single_transformer_blocks 4 (Pattern_1)'
    )
    await screenshot(page, 'import-picker')
  })

  it('offers the sizes the model takes and generates at one of them, uncached, with F1B0 and with a cache that skips blocks', async () => {
    const { page } = studio
    const widths = await page.getByTestId('width').locator('option').allTextContents()
    expect(widths[0]).toBe('4')
    expect(widths.at(-1)).toBe(String(flux.sizes?.max))
    expect(await page.getByTestId('width').inputValue()).toBe(String(flux.output.width))
    await page.getByTestId('width').selectOption('48')
    await page.getByTestId('steps').fill('12')
    await page.getByTestId('prompt').fill('a red circle')

    const plain = await generate('none')
    expect([plain.width, plain.height]).toEqual([48, 32])
    expect(plain.recipe).toMatchObject({ model: 'flux-tiny', width: 48, height: 32, preset: 'none' })
    expect(plain.summary.blocksRun).toBe(plain.summary.blocksTotal)

    // F1B0 runs unchanged on FLUX: one context over both lists, as CacheDiT's Flux adapter. This
    // random tiny model's residuals move more than its 0.12 between steps, so it skips nothing here.
    const f1b0 = await generate('F1B0')
    expect([f1b0.width, f1b0.height]).toEqual([48, 32])
    expect(f1b0.recipe).toMatchObject({ preset: 'F1B0', cache: { Fn: 1, Bn: 0 } })
    expect(f1b0.summary.contexts.map((c) => c.context)).toEqual([MERGED])

    // F1B0's shape with the threshold the fixture's dbcache golden uses: steps are cached.
    await page.locator('[data-preset="custom"]').click()
    await page.getByTestId('custom-cache-form').waitFor()
    await page.locator('#cache-Fn').fill('1')
    await page.locator('#cache-Bn').fill('0')
    await page.locator('#cache-maxWarmupSteps').fill('1')
    await page.locator('#cache-residualDiffThreshold').fill('0.5')
    const cached = await generate('custom')
    expect(cached.recipe.cache).toMatchObject({ Fn: 1, Bn: 0, residualDiffThreshold: 0.5 })
    expect(cached.summary.contexts.map((c) => c.context)).toEqual([MERGED])
    expect(cached.summary.contexts[0].cachedSteps.length).toBeGreaterThan(0)
    expect(cached.summary.blocksRun).toBeLessThan(plain.summary.blocksRun)
    await screenshot(page, 'import-generated')
  })

  it('adding the same folder again is recognised; a broken copy is refused with its reason and the engine keeps serving', async () => {
    const { page } = studio
    electronMock.dialogResult = { canceled: false, filePaths: [FLUX_ONNX] }
    await page.getByTestId('add-model').click()
    await page
      .getByTestId('add-model-notice')
      .getByText(/^already imported as flux-tiny/)
      .waitFor()

    const broken = join(scratch, 'broken-flux')
    await cp(FLUX_ONNX, broken, { recursive: true })
    await rm(join(broken, 'text_encoder_2/model.onnx'))
    electronMock.dialogResult = { canceled: false, filePaths: [broken] }
    await page.getByTestId('add-model').click()
    const error = page.getByTestId('add-model-error')
    await error.waitFor()
    const text = (await error.textContent())!
    expect(text).toMatch(/^Refused: .*text_encoder_2\/model\.onnx/)
    await screenshot(page, 'import-refused')
    await page.locator('[data-testid="engine-status"][data-state="ready"]').waitFor()
    const fluxIds = (await listModels(studio)).filter((m) => m.family === 'flux').map((m) => m.id)
    expect(fluxIds).toEqual(['flux-tiny'])
  })
})
