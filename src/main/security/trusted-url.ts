import { APP_ENTRY } from './app-protocol'

export interface RendererSource {
  /** A development build (`electron-vite dev`, not packaged): the only one that may use a dev server. */
  devBuild: boolean
  env?: NodeJS.ProcessEnv
}

/**
 * Where the renderer comes from: electron-vite's dev server (ELECTRON_RENDERER_URL) in a
 * development build, the app's own `app://studio/index.html` otherwise. A packaged or production
 * build ignores the variable, so nobody can point the installed app's window (and its IPC trust)
 * at another page by setting it. IPC calls and navigation are allowed only for this one origin.
 */
export function rendererEntry({ devBuild, env = process.env }: RendererSource): URL {
  const devUrl = devBuild ? env['ELECTRON_RENDERER_URL'] : undefined
  return devUrl ? new URL(devUrl) : new URL(APP_ENTRY)
}

let entry: URL | undefined

/** Set once at startup, before the window loads. */
export function trustRenderer(url: URL): void {
  entry = url
}

/**
 * True for any page of the trusted origin (scheme, host and port), false for everything else.
 * Compared part by part: Node's URL gives every non-http(s) scheme, app: included, the origin
 * "null", so comparing origins would trust all of them. A file: entry trusts nothing.
 */
export function isTrustedUrl(url: string, trusted: URL | undefined = entry): boolean {
  if (!trusted || trusted.protocol === 'file:' || trusted.host === '') return false
  let candidate: URL
  try {
    candidate = new URL(url)
  } catch {
    return false
  }
  return (
    candidate.protocol === trusted.protocol &&
    candidate.host.toLowerCase() === trusted.host.toLowerCase() &&
    candidate.username === '' &&
    candidate.password === ''
  )
}
