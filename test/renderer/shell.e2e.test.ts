import { copyFile, mkdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStudio, type StudioPage } from './harness/studio-page'

let studio: StudioPage
beforeAll(async () => {
  studio = await openStudio()
})
afterAll(() => studio?.close())

describe('renderer shell in Chromium', () => {
  it('shows the app frame and the live engine status from the real engine host', async () => {
    const { page } = studio
    await expect(page.title()).resolves.toBe('Cache Studio')
    const nav = page.getByRole('navigation', { name: 'Views' })
    for (const label of ['Generate', 'Compare', 'Gallery', 'Settings']) {
      await expect(nav.getByRole('button', { name: label }).count()).resolves.toBe(1)
    }
    // The engine starts in a forked child; the status bar follows it from starting to ready.
    const status = page.getByTestId('engine-status')
    await status.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 })
    await expect(status.textContent()).resolves.toBe('Engine ready')
    await expect(page.getByText(/providers: .*cpu/).count()).resolves.toBe(1)
    expect(studio.backend.engine.status().state).toBe('ready')

    await mkdir('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/shell.png' })
    if (process.env['UPDATE_DOCS_SCREENSHOTS'] === '1') {
      await mkdir('docs/screenshots', { recursive: true })
      await copyFile('test-results/shell.png', 'docs/screenshots/shell.png')
    }
  })
})
