import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PromptTokensSchema } from '../../src/shared/generation'
import { PLAIN_MODEL, PLAIN_TOKEN, startPlainServer } from '../remote/plain-server'
import { startServe, type StudioProcess } from '../serve/studio-process'
import { chartSteps, expectChartGrew, watchChartGrowth } from './harness/chart-growth'
import { screenshot } from './harness/screenshots'
import { compareUncached, expectComparePanes, galleryList, listModels } from './harness/studio-calls'
import { openReadyStudio, type StudioPage } from './harness/studio-page'

/**
 * The studio UI on a remote engine: a real `studio serve` on loopback (its own engine process),
 * chosen in Settings → Engine with its URL and token. Generate with F8B0 runs there with the live
 * chart filling in, compare's uncached twin runs there too and the metrics are computed here,
 * cancel stops the server's job, the outputs land in this app's gallery, and a server that goes
 * away is one clear error that leaves the gallery as it was. One page for the file, in order.
 */
const MODEL = 'shapes-flux-tiny'
let studio: StudioPage
let serve: { server: StudioProcess; url: string; token: string }
let steps: number

beforeAll(async () => {
  serve = await startServe()
  studio = await openReadyStudio()
})
afterAll(async () => {
  await studio?.close()
  await serve?.server.stop()
})

const gallery = () => galleryList(studio)
const serverHealth = async (): Promise<{ jobs: { running: number; queued: number } }> =>
  (await fetch(`${serve.url}/health`)).json() as Promise<{ jobs: { running: number; queued: number } }>

describe('studio UI in Chromium on a remote engine (studio serve on loopback)', () => {
  it('Settings → Engine: test connection shows the server and its models; save switches the model list', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByTestId('engine-field').waitFor()
    await page.getByTestId('engine-remote').check()
    await page.getByTestId('engine-url').fill(serve.url)
    await page.getByTestId('engine-token').fill(serve.token)
    await page.getByTestId('engine-test').click()
    const probe = page.getByTestId('engine-probe')
    await probe.waitFor({ timeout: 30_000 })
    await expect(probe.getAttribute('data-server')).resolves.toBe('studio')
    await expect(probe.textContent()).resolves.toContain(MODEL)
    await page.getByTestId('engine-save').click()
    await expect.poll(() => page.getByTestId('engine-current').textContent()).toBe(`In use: ${serve.url}`)
    // The status bar shows the engine in use: the server, reachable, what it runs, its jobs.
    const status = page.locator('[data-testid="engine-status"][data-engine="remote"]')
    await status.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 30_000 })
    await expect(status.textContent()).resolves.toBe('Remote engine ready')
    await expect(page.getByTestId('engine-remote-host').textContent()).resolves.toBe(
      `on ${new URL(serve.url).host}`
    )
    await expect(page.getByTestId('engine-remote-server').textContent()).resolves.toBe('studio serve 0.1.0')
    await expect(page.getByTestId('engine-remote-jobs').textContent()).resolves.toBe(
      '0 running, 0 queued (runs 1 at once)'
    )
    expect(await page.getByText(/providers:/).count()).toBe(0)
    // The model table now lists the server's models (a remote model's folder is its URL).
    const folder = page.locator('.data-table td.ellipsis', { hasText: `${serve.url}#${MODEL}` })
    await folder.waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('engine-error').count()).toBe(0)
    await screenshot(page, 'settings-engine-remote')
    const models = await listModels(studio)
    expect(models.every((m) => m.path.startsWith(`${serve.url}#`))).toBe(true)
    steps = models.find((m) => m.id === MODEL)!.defaults.steps
  })

  it('generates with F8B0 on the server: the chart fills in step by step, the output is saved here with its recipe', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Generate' }).first().click()
    await page.getByTestId('model-select').selectOption(MODEL)
    await page.locator('.suggestions .chip').nth(1).click()
    // The count under the prompt is the server's tokenizer's, for its model.
    const prompt = await page.getByTestId('prompt').inputValue()
    const counted = await fetch(`${serve.url}/v1/cache-studio/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt })
    })
    const expected = PromptTokensSchema.parse(await counted.json())
    await expect
      .poll(() => page.getByTestId('prompt-tokens').textContent(), { timeout: 30_000 })
      .toBe(`${expected.count} / ${expected.maxLength} tokens`)
    await page.locator('[data-preset="F8B0"]').click()
    await page.getByTestId('seed').fill('7')
    await page.getByTestId('seed-lock').click()
    await watchChartGrowth(page)
    await page.keyboard.press('Control+Enter')
    await page.getByTestId('progress').waitFor()
    await expect
      .poll(() => chartSteps(page), { timeout: 90_000 })
      .toBeGreaterThanOrEqual(Math.floor(steps / 3))
    await screenshot(page, 'remote-generate-running')
    await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 90_000 })
    // As with the local engine: every step at the end, drawn while under way, never long apart.
    await expectChartGrew(page, steps)
    const cachedInTable = (await page.getByTestId('cached-count').allTextContents()).reduce(
      (n, c) => n + Number(c),
      0
    )
    expect(cachedInTable).toBeGreaterThan(0)
    expect(await page.locator('.lane-cell[data-state="cached"]').count()).toBe(cachedInTable)
    expect(await page.getByTestId('no-trace').count()).toBe(0)
    const saved = await gallery()
    expect(saved).toHaveLength(1)
    expect(saved[0].recipe).toMatchObject({ model: MODEL, preset: 'F8B0', seed: 7, steps })
    await screenshot(page, 'remote-generate-done')
  })

  it('compares with the uncached run: made on the server, measured here', async () => {
    const { page } = studio
    await compareUncached(page)
    const psnr = (await page.getByTestId('psnr').textContent())!
    expect(parseFloat(psnr.replace('≥ ', ''))).toBeGreaterThan(10)
    const ssim = Number(await page.getByTestId('ssim').textContent())
    expect(ssim).toBeGreaterThan(0)
    expect(ssim).toBeLessThanOrEqual(1)
    await expectComparePanes(page)
    const saved = await gallery()
    expect(saved.map((e) => e.recipe.preset).sort()).toEqual(['F8B0', 'none'])
    await screenshot(page, 'remote-compare')
  })

  it('the gallery shows both remote outputs with their recipe, kept on this machine', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Gallery' }).click()
    const cards = page.getByTestId('gallery-card')
    await expect.poll(() => cards.count()).toBe(2)
    await cards.last().click()
    await page.getByTestId('gallery-detail').waitFor()
    await page.locator('[data-testid="gallery-image"][data-ready="true"]').waitFor()
    await expect(page.getByTestId('recipe').textContent()).resolves.toContain('F8B0')
    await screenshot(page, 'remote-gallery')
  })

  it('cancels a remote run with Esc: the server stops the job and nothing half-made is saved', async () => {
    const { page } = studio
    await page.getByRole('button', { name: 'Generate' }).first().click()
    await page.getByTestId('steps').fill('1000')
    // F8B0's cached steps stream faster than a frame: the page draws them at most once a frame.
    await page.locator('[data-preset="F8B0"]').click()
    await page.getByTestId('generate').click()
    await page.getByTestId('progress').waitFor()
    await expect.poll(() => chartSteps(page), { timeout: 60_000 }).toBeGreaterThan(1)
    expect((await serverHealth()).jobs.running).toBe(1)
    await page.keyboard.press('Escape')
    await page.getByTestId('run-cancelled').waitFor({ timeout: 60_000 })
    await expect(page.getByTestId('run-cancelled').textContent()).resolves.toMatch(
      /^Cancelled at step \d+ of 1000$/
    )
    await expect
      .poll(async () => (await serverHealth()).jobs, { timeout: 30_000 })
      .toMatchObject({
        running: 0,
        queued: 0
      })
    expect(await gallery()).toHaveLength(2)
    await screenshot(page, 'remote-cancelled')
  })

  it('a server that goes away is one clear error in the UI; the gallery keeps what was saved', async () => {
    const { page } = studio
    serve.server.kill('SIGKILL')
    await serve.server.exited
    await page.getByTestId('steps').fill('4')
    await page.getByTestId('generate').click()
    const error = page.getByTestId('run-error')
    await error.waitFor({ timeout: 30_000 })
    await expect(error.textContent()).resolves.toContain(`remote engine at ${serve.url}: connection lost`)
    expect(await page.locator('[role="alert"]').count()).toBe(1)
    expect(await gallery()).toHaveLength(2)
    // The status bar says so too, with when the server last answered.
    await page
      .locator('[data-testid="engine-status"][data-engine="remote"][data-state="lost"]')
      .waitFor({ timeout: 30_000 })
    await expect(page.getByTestId('engine-status').textContent()).resolves.toBe(
      'Remote engine: connection lost'
    )
    await expect(page.getByTestId('engine-remote-error').textContent()).resolves.toMatch(
      /^connection lost \(.+\) · last answered \d\d:\d\d:\d\d$/
    )
    expect(await page.getByTestId('engine-remote-jobs').count()).toBe(0)
    await screenshot(page, 'remote-connection-lost')
  })

  it('a plain OpenAI Images server: test connection says what it lacks, and the chart says plainly there is no trace', async () => {
    const { page } = studio
    const plain = await startPlainServer()
    try {
      await page.getByRole('button', { name: 'Settings' }).click()
      await page.getByTestId('engine-url').fill(plain.url)
      await page.getByTestId('engine-token').fill(PLAIN_TOKEN)
      await page.getByTestId('engine-test').click()
      const probe = page.getByTestId('engine-probe')
      await probe.waitFor({ timeout: 30_000 })
      await expect(probe.getAttribute('data-server')).resolves.toBe('openai')
      await expect(probe.textContent()).resolves.toMatch(/no live progress and no per-step cache trace/)
      await page.getByTestId('engine-save').click()
      await expect.poll(() => page.getByTestId('engine-current').textContent()).toBe(`In use: ${plain.url}`)
      await screenshot(page, 'settings-engine-plain')
      await page.getByRole('button', { name: 'Generate' }).first().click()
      await page.getByTestId('model-select').selectOption(PLAIN_MODEL)
      await page
        .locator('[data-testid="engine-status"][data-engine="remote"][data-state="ready"]')
        .waitFor({ timeout: 30_000 })
      await expect(page.getByTestId('engine-remote-server').textContent()).resolves.toBe(
        'OpenAI Images API server'
      )
      // Such a server does not say how it reads a prompt: no count, and the note says why.
      await expect
        .poll(() => page.getByTestId('prompt-tokens-unavailable').textContent(), { timeout: 30_000 })
        .toBe(
          `Token count unavailable: ${plain.url} is a plain OpenAI Images API server: it does not count a prompt's tokens`
        )
      expect(await page.getByTestId('prompt-tokens').count()).toBe(0)
      await screenshot(page, 'remote-plain-tokens')
      await page.getByTestId('generate').click()
      await page.locator('[data-testid="output-image"][data-ready="true"]').waitFor({ timeout: 30_000 })
      await expect(page.getByTestId('no-trace').textContent()).resolves.toContain(
        `${plain.url} is a plain OpenAI Images API server`
      )
      expect(await page.getByTestId('cache-chart').count()).toBe(0)
      const saved = await gallery()
      expect(saved).toHaveLength(3)
      expect(saved.some((e) => e.recipe.engineVersion === `openai-images ${plain.url}`)).toBe(true)
      await screenshot(page, 'remote-plain-no-trace')
    } finally {
      await plain.close()
    }
  })
})
