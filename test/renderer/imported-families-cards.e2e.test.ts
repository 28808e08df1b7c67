import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshot } from './harness/screenshots'
import { addModel, generateEntry } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * The importer's other new families in the app (issue 16), each added through Add model in
 * Chromium and imported by the real engine: Wan 2.2's card lists both experts' blocks; SD3 takes
 * sizes, a negative prompt and CFG's scale and generates with them; PixArt-Σ's static export
 * offers its one size and generates at it; Qwen-Image without a text encoder graph shows in place
 * of the prompt that generating needs `studio generate --prompt-embeds`, and Generate stays off.
 */
const FIXTURES = resolve('test/fixtures/diffusers')
let studio: StudioPage

beforeAll(async () => {
  studio = await openReadyStudio()
})
afterAll(() => studio?.close())

describe('the new image families and Wan 2.2 through Add model, in Chromium with the real engine', () => {
  it("Wan 2.2's card lists each expert's block list", async () => {
    const { page } = studio
    const wan = await addModel(studio, resolve(FIXTURES, 'wan2.2-tiny/onnx-dynamo'))
    expect(wan).toMatchObject({ family: 'wan', kind: 'video', guidance: 'cfg' })
    expect(wan.transformers.map((t) => t.name)).toEqual(['transformer', 'transformer_2'])
    await expect(page.getByTestId('block-lists').textContent()).resolves.toBe(
      'transformer: blocks 6 (Pattern_2) · transformer_2: blocks 6 (Pattern_2)'
    )
    await expect(page.getByTestId('frames').count()).resolves.toBe(1)
    await page.getByTestId('model-meta').scrollIntoViewIfNeeded()
    await screenshot(page, 'wan22-card')
  })

  it('SD3: sizes, a negative prompt and CFG scale, generated with them', async () => {
    const { page } = studio
    const sd3 = await addModel(studio, resolve(FIXTURES, 'sd3-tiny/onnx-dynamo'))
    expect(sd3).toMatchObject({ family: 'sd3', kind: 'image', guidance: 'cfg' })
    expect(sd3.frames).toBeUndefined()
    await expect(page.getByTestId('frames').count()).resolves.toBe(0)
    const widths = await page.getByTestId('width').locator('option').allTextContents()
    expect(widths[0]).toBe(String(sd3.sizes?.multipleOf))
    await page.getByTestId('width').selectOption(widths[1])
    await page.getByTestId('steps').fill('6')
    await page.getByTestId('guidance').fill('4.5')
    await page.getByTestId('prompt').fill('a lighthouse at dusk')
    await page.getByLabel('Negative prompt').fill('fog')
    await page.locator('[data-preset="F1B0"]').click()
    const out = await generateEntry(studio)
    expect(out.width).toBe(Number(widths[1]))
    expect(out.recipe).toMatchObject({ model: sd3.id, negativePrompt: 'fog', guidanceScale: 4.5, steps: 6 })
    await screenshot(page, 'sd3-generated')
  })

  it('PixArt-Σ: a static export offers its one size and generates at it', async () => {
    const { page } = studio
    const pixart = await addModel(studio, resolve(FIXTURES, 'pixart-sigma-tiny/onnx'))
    const fixed = pixart.sizes?.fixed
    expect(fixed).toBeDefined()
    expect(pixart.guidance).toBe('cfg')
    await expect(page.getByTestId('size-readout').textContent()).resolves.toBe(
      `${fixed!.width}×${fixed!.height}`
    )
    await expect(page.getByTestId('size-fixed-note').textContent()).resolves.toMatch(/^Static export/)
    await page.getByTestId('steps').fill('4')
    await page.getByTestId('prompt').fill('a small red boat')
    await page.locator('[data-preset="none"]').click()
    const out = await generateEntry(studio)
    expect([out.width, out.height]).toEqual([fixed!.width, fixed!.height])
    await screenshot(page, 'pixart-static-generated')
  })

  it('EXPECTED FAILURE - Qwen-Image without a text encoder: the prompt is replaced by the --prompt-embeds note, Generate stays off', async () => {
    const { page } = studio
    const qwen = await addModel(studio, resolve(FIXTURES, 'qwen-image-tiny/onnx'))
    expect(qwen).toMatchObject({ family: 'qwen-image', promptEmbeds: true })
    await expect(page.getByTestId('model-prompt-embeds').count()).resolves.toBe(1)
    await expect(page.getByTestId('prompt').count()).resolves.toBe(0)
    await expect(page.getByTestId('prompt-embeds-note').textContent()).resolves.toContain(
      `studio generate --model ${qwen.id} --prompt-embeds`
    )
    await expect(page.getByTestId('generate').isDisabled()).resolves.toBe(true)
    await expect(page.locator('.generate-action .field-hint').textContent()).resolves.toBe(
      'Needs precomputed prompt embeddings: studio generate --prompt-embeds'
    )
    await screenshot(page, 'qwen-prompt-embeds')
  })
})
