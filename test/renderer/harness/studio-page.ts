import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { STUDIO_CALLS, type StudioCall, type StudioEvent } from '../../../src/shared/api'
import { installStudioBridge } from './studio-bridge'
import { serveRenderer } from './static-server'
import { startStudioBackend, type StudioBackend } from './studio-backend'

export const RENDERER_DIR = resolve('out/renderer')
/** Debian's Chromium (scripts/test.sh installs it); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

export interface StudioPage {
  page: Page
  backend: StudioBackend
  close(): Promise<void>
}

/**
 * The built renderer in a real headless Chromium, with a test `window.studio` whose calls are
 * answered by the real main-process handlers and engine host (see studio-backend.ts).
 */
export async function openStudio(): Promise<StudioPage> {
  if (!existsSync(resolve(RENDERER_DIR, 'index.html'))) {
    throw new Error(`no built renderer in ${RENDERER_DIR}: run \`npm run build\` first`)
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run \`npm test\` (it installs one) or set CHROMIUM_PATH`)
  const server = await serveRenderer(RENDERER_DIR)
  const backend = await startStudioBackend(server.url)
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.exposeBinding('__studioInvoke', (_source, call: StudioCall, params: unknown[]) =>
    backend.invoke(call, params)
  )
  await page.addInitScript(installStudioBridge, STUDIO_CALLS)
  backend.onEvent((event: StudioEvent, payload: unknown) => {
    void page
      .evaluate(
        ([e, p]) =>
          (globalThis as unknown as { __studioEmit: (e: string, p: unknown) => void }).__studioEmit(e, p),
        [event, payload] as const
      )
      .catch(() => undefined) // the page may be closing
  })
  await page.goto(server.url)
  return {
    page,
    backend,
    async close() {
      await browser.close()
      await backend.close()
      await server.close()
      if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`)
    }
  }
}

/** How long the engine child may take to start and load the models listed (a 2-core CI machine). */
const ENGINE_READY_MS = 90_000

/**
 * openStudio, then what every test of the views waits for before it starts: the engine ready and
 * the model picker drawn, or `model` selected in it. A start that fails closes what it opened,
 * so it leaves no browser or engine child behind (afterAll has no studio to close then).
 */
export async function openReadyStudio(options: { model?: string } = {}): Promise<StudioPage> {
  const studio = await openStudio()
  try {
    const { page } = studio
    await page
      .locator('[data-testid="engine-status"][data-state="ready"]')
      .waitFor({ timeout: ENGINE_READY_MS })
    const picker = page.getByTestId('model-select')
    if (options.model) await picker.selectOption(options.model)
    else await picker.waitFor()
    return studio
  } catch (e) {
    await studio.close().catch(() => undefined)
    throw e
  }
}
