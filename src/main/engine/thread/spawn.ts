import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type ResourceLimits } from 'node:worker_threads'
import type { ThreadInit } from './protocol'

/**
 * Where the generation thread's code is. The app's bundle gives a built .js path
 * (electron-vite's `import p from './thread/entry?modulePath'`); tests and the CLI run the
 * TypeScript source through tsx.
 */
export interface ThreadEntry {
  url: string | URL
  /** Load the entry through tsx (a .ts source). */
  tsx?: boolean
}

/** The source entry, for hosts that run TypeScript directly (tsx, vitest). */
export function sourceThreadEntry(): ThreadEntry {
  // A path join, not `new URL('./entry.ts', import.meta.url)`: Vite would copy that .ts into the
  // app bundle as an asset.
  return { url: pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'entry.ts')), tsx: true }
}

export function spawnThread(entry: ThreadEntry, init: ThreadInit): Worker {
  return spawnWorker(entry, init)
}

/** A worker thread of `entry` with `workerData` (the import thread's too: app-import/import-on-thread.ts). */
export function spawnWorker(
  entry: ThreadEntry,
  workerData: unknown,
  resourceLimits?: ResourceLimits
): Worker {
  const url = entry.url instanceof URL ? entry.url : toUrl(entry.url)
  if (!entry.tsx) return new Worker(url, { workerData, resourceLimits })
  // Node 20 applies `--import tsx` in a worker's execArgv only after the entry is resolved, too
  // late for a .ts entry; registering tsx's hooks first from a bootstrap works in every version.
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits })
}

/** tsx's ESM API (its `import` condition; require.resolve would give the CommonJS build). */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>
  }
  return new URL(pkg.exports['./esm/api'].import.default, pathToFileURL(pkgPath)).href
}

function toUrl(path: string): URL {
  return path.startsWith('file:') ? new URL(path) : pathToFileURL(path)
}
