import { readFile, realpath, stat } from 'node:fs/promises'
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path'

/**
 * The built page is served from `app://studio/`, not `file://`: under file:// the CSP's 'self'
 * would be every file on the disk, under app:// it is the renderer's build folder and nothing else.
 * The scheme is standard (relative URLs, its own origin and storage) and secure (treated like https).
 * It is not corsEnabled and does not bypass the CSP. No electron import: src/main/index.ts
 * registers the scheme and hands requests to {@link serveAppFile}.
 */
export const APP_SCHEME = 'app'
export const APP_HOST = 'studio'
export const APP_ENTRY = new URL(`${APP_SCHEME}://${APP_HOST}/index.html`)

export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const

/** What a Vite build of the renderer holds; anything else goes out as bytes the page can't run. */
const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

export function mimeType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** The file under `rootDir` an app:// URL names, or the status that refuses it. */
export function resolveAppPath(url: string, rootDir: string): { path: string } | { status: number } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { status: 400 }
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host.toLowerCase() !== APP_HOST) return { status: 404 }
  let pathname: string
  try {
    // URL parsing already removed `..` segments; an encoded slash (%2F, %5C) is decoded only here.
    pathname = decodeURIComponent(parsed.pathname)
  } catch {
    return { status: 400 }
  }
  if (pathname.includes('\0')) return { status: 400 }
  const root = resolve(rootDir)
  const path = join(root, pathname === '/' ? 'index.html' : pathname)
  return isInside(root, path) ? { path } : { status: 403 }
}

function isInside(root: string, path: string): boolean {
  const inside = relative(root, path)
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)
}

/** Answers one app:// request: the file with its MIME type, or an empty error response. */
export async function serveAppFile(request: Request, rootDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405)
  const target = resolveAppPath(request.url, rootDir)
  if ('status' in target) return refusal(target.status)
  try {
    // A link in the folder must not lead out of it either (Electron's fs resolves inside the asar).
    if (!isInside(await realpath(rootDir), await realpath(target.path))) return refusal(403)
    if (!(await stat(target.path)).isFile()) return refusal(404)
    const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(target.path))
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': mimeType(target.path), 'X-Content-Type-Options': 'nosniff' }
    })
  } catch {
    return refusal(404)
  }
}

function refusal(status: number): Response {
  return new Response(null, { status, headers: { 'X-Content-Type-Options': 'nosniff' } })
}
