import { copyFile, mkdir } from 'node:fs/promises'
import type { Page } from 'playwright-core'

/**
 * Saves a screenshot under test-results/ (look at it after every run); with
 * UPDATE_DOCS_SCREENSHOTS=1 it also replaces the committed copy in docs/screenshots/.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir('test-results', { recursive: true })
  const path = `test-results/${name}.png`
  await page.screenshot({ path })
  if (process.env['UPDATE_DOCS_SCREENSHOTS'] === '1') {
    await mkdir('docs/screenshots', { recursive: true })
    await copyFile(path, `docs/screenshots/${name}.png`)
  }
  return path
}
