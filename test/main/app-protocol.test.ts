import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_ENTRY,
  APP_SCHEME_PRIVILEGES,
  mimeType,
  resolveAppPath,
  serveAppFile
} from '../../src/main/security/app-protocol'
import { isTrustedUrl, rendererEntry } from '../../src/main/security/trusted-url'

/**
 * app://studio/ answered from a renderer build folder on disk, with a secret file beside it that
 * no URL may reach. Requests are built with Node's Request, the type protocol.handle passes.
 */
let base: string
let renderer: string

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'app-protocol-'))
  renderer = join(base, 'renderer')
  await mkdir(join(renderer, 'assets'), { recursive: true })
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Cache Studio</title>')
  await writeFile(join(renderer, 'assets', 'index-abc.js'), 'console.log(1)')
  await writeFile(join(renderer, 'assets', 'index-abc.css'), 'body{}')
  await writeFile(join(renderer, 'assets', 'logo.svg'), '<svg/>')
  await writeFile(join(renderer, 'assets', 'blob.xyz'), 'bytes')
  await writeFile(join(base, 'secret.txt'), 'not for the page')
  await writeFile(join(base, 'renderer-evil.txt'), 'a sibling whose name starts like the root')
})

afterAll(() => rm(base, { recursive: true, force: true }))

async function get(url: string, method = 'GET'): Promise<Response> {
  return serveAppFile(new Request(url, { method }), renderer)
}

describe('app:// protocol handler', () => {
  it('serves the built page and its assets with their MIME types', async () => {
    const page = await get(APP_ENTRY.href)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('Cache Studio')
    const script = await get('app://studio/assets/index-abc.js?v=1#x')
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toBe('console.log(1)')
    expect((await get('app://studio/assets/index-abc.css')).headers.get('content-type')).toBe(
      'text/css; charset=utf-8'
    )
    expect((await get('app://studio/assets/logo.svg')).headers.get('content-type')).toBe('image/svg+xml')
    expect((await get('app://studio/')).status).toBe(200) // the root is index.html
  })

  it('sends an unknown extension as inert bytes, never sniffed into something runnable', async () => {
    const blob = await get('app://studio/assets/blob.xyz')
    expect(blob.headers.get('content-type')).toBe('application/octet-stream')
    expect(blob.headers.get('x-content-type-options')).toBe('nosniff')
    expect(mimeType('x.WASM')).toBe('application/wasm')
  })

  it('answers 404 for a file that does not exist, a folder, or another host', async () => {
    expect((await get('app://studio/missing.js')).status).toBe(404)
    expect((await get('app://studio/assets')).status).toBe(404)
    expect((await get('app://other/index.html')).status).toBe(404)
  })

  it('refuses every path out of the renderer folder, plain or encoded', async () => {
    const attempts = [
      'app://studio/../secret.txt',
      'app://studio/%2e%2e/secret.txt',
      'app://studio/..%2Fsecret.txt',
      'app://studio/assets/..%2F..%2Fsecret.txt',
      'app://studio/..%5Csecret.txt',
      'app://studio/%2E%2E%2F%2E%2E%2Fsecret.txt',
      'app://studio/..%2Frenderer-evil.txt',
      `app://studio/${encodeURIComponent(join(base, 'secret.txt'))}`
    ]
    for (const url of attempts) {
      const response = await get(url)
      expect(response.status, url).not.toBe(200)
      expect(await response.text(), url).toBe('')
    }
    expect(resolveAppPath('app://studio/..%2F..%2Fetc%2Fpasswd', renderer)).toEqual({ status: 403 })
    expect(resolveAppPath('app://studio/%E0%A4%A', renderer)).toEqual({ status: 400 })
    expect(resolveAppPath('app://studio/index.html%00.js', renderer)).toEqual({ status: 400 })
  })

  it('refuses a symlink in the folder that points out of it', async () => {
    await symlink(join(base, 'secret.txt'), join(renderer, 'assets', 'link.txt'))
    const response = await get('app://studio/assets/link.txt')
    expect(response.status).toBe(403)
    expect(await response.text()).toBe('')
  })

  it('answers only GET and HEAD', async () => {
    expect((await get(APP_ENTRY.href, 'POST')).status).toBe(405)
    const head = await get(APP_ENTRY.href, 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('is registered standard and secure, neither CORS-open nor exempt from the CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: true })
  })
})

describe('IPC sender trust for the app:// origin', () => {
  const app = rendererEntry({ devBuild: false, env: {} })

  it('trusts every page of app://studio and nothing else', () => {
    expect(app.href).toBe('app://studio/index.html')
    expect(isTrustedUrl('app://studio/index.html#gallery', app)).toBe(true)
    expect(isTrustedUrl('app://STUDIO/index.html', app)).toBe(true)
    for (const url of [
      'app://other/index.html',
      'app://user@studio/index.html',
      'evil://studio/index.html',
      'file:///opt/studio/out/renderer/index.html',
      'file:///etc/passwd',
      'https://studio/index.html',
      'about:blank',
      'data:text/html,hi',
      ''
    ])
      expect(isTrustedUrl(url, app), url).toBe(false)
  })

  it('trusts nothing when the entry is a file:// page (every local file would share its origin)', () => {
    const file = new URL('file:///opt/studio/out/renderer/index.html')
    expect(isTrustedUrl(file.href, file)).toBe(false)
    expect(isTrustedUrl('file:///etc/passwd', file)).toBe(false)
  })
})

describe('ELECTRON_RENDERER_URL', () => {
  const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173' }

  it('is the page of a development build', () => {
    expect(rendererEntry({ devBuild: true, env }).href).toBe('http://localhost:5173/')
  })

  it('is ignored by a packaged or production build, which loads app://studio/index.html', () => {
    const packaged = rendererEntry({ devBuild: false, env })
    expect(packaged.href).toBe('app://studio/index.html')
    expect(isTrustedUrl('http://localhost:5173/', packaged)).toBe(false)
  })
})
