import { existsSync, readdirSync } from 'node:fs'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeManyNodeTransformer } from '../engine/many-node-transformer'
import { electronMock } from '../main/electron-mock'
import { screenshot } from './harness/screenshots'
import { addModel, listModels } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * Cancel for Add model in Chromium with the real handlers and engine: a FLUX-shaped folder whose
 * transformer graph has ~240k nodes (engine/many-node-transformer.ts; cutting it takes seconds)
 * is picked, Cancel is pressed while the importer cuts it, the page says "Import cancelled" in
 * one line, the models folder holds nothing, and the same folder then imports. Before, a
 * running import could not be stopped from the app.
 */
const FLUX_ONNX = resolve('test/fixtures/diffusers/flux-tiny/onnx')
let studio: StudioPage
let scratch: string
let folder: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'studio-import-cancel-e2e-'))
  folder = join(scratch, 'flux-many')
  await cp(FLUX_ONNX, folder, { recursive: true })
  for (const f of await readdir(join(folder, 'transformer')))
    if (f !== 'config.json') await rm(join(folder, 'transformer', f))
  writeManyNodeTransformer(join(folder, 'transformer'), 57, 4200)
  studio = await openReadyStudio()
})
afterAll(async () => {
  await studio?.close()
  await rm(scratch, { recursive: true, force: true })
})

const modelsFolder = (): string[] =>
  existsSync(studio.backend.modelsDir) ? readdirSync(studio.backend.modelsDir) : []

describe('cancelling Add model in Chromium with the real engine', () => {
  it('Cancel while the graph is cut: "Import cancelled", nothing in the models folder, nothing listed', async () => {
    const { page } = studio
    electronMock.dialogResult = { canceled: false, filePaths: [folder] }
    await page.getByTestId('add-model').click()
    const progress = page.getByTestId('add-model-progress')
    await progress.getByText(/cutting transformer\/model\.onnx/).waitFor({ timeout: 60_000 })
    const cancel = page.getByTestId('cancel-add-model')
    await expect(cancel.textContent()).resolves.toBe('Cancel')
    expect(await page.getByTestId('add-model').isDisabled()).toBe(true)
    await screenshot(page, 'import-cancel-button')
    await cancel.click()

    const notice = page.getByTestId('add-model-notice')
    await notice.waitFor({ timeout: 30_000 })
    await expect(notice.textContent()).resolves.toBe('Import cancelled')
    expect(await progress.count()).toBe(0)
    expect(await page.getByTestId('add-model-error').count()).toBe(0)
    await screenshot(page, 'import-cancelled')
    expect(modelsFolder()).toEqual([])
    expect((await listModels(studio)).some((m) => m.sourceDir === folder)).toBe(false)
    expect(await page.getByTestId('add-model').isDisabled()).toBe(false)
  })

  it('the same folder then imports and is listed and selected', async () => {
    const model = await addModel(studio, folder)
    expect(model).toMatchObject({ id: 'flux-many', family: 'flux', sourceDir: folder })
    expect(modelsFolder()).toEqual(['flux-many'])
    await expect(studio.page.getByTestId('add-model-notice').textContent()).resolves.toMatch(
      /^imported as flux-many /
    )
  })
})
