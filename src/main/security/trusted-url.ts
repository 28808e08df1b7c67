import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * Where the renderer comes from: electron-vite's dev server in `npm run dev`
 * (ELECTRON_RENDERER_URL), the built index.html otherwise. IPC calls and navigation are allowed
 * only for this one page.
 */
export function rendererEntry(
  env: NodeJS.ProcessEnv = process.env,
  rendererDir = join(__dirname, '../renderer')
): URL {
  const devUrl = env['ELECTRON_RENDERER_URL']
  return devUrl ? new URL(devUrl) : pathToFileURL(join(rendererDir, 'index.html'))
}

let entry: URL | undefined

/** Set once at startup, before the window loads. */
export function trustRenderer(url: URL): void {
  entry = url
}

/** True for the app's own page (any hash or query), false for everything else. */
export function isTrustedUrl(url: string, trusted: URL | undefined = entry): boolean {
  if (!trusted) return false
  let candidate: URL
  try {
    candidate = new URL(url)
  } catch {
    return false
  }
  if (trusted.protocol === 'file:') {
    return candidate.protocol === 'file:' && fileURLToPath(candidate) === fileURLToPath(trusted)
  }
  return candidate.origin === trusted.origin
}
