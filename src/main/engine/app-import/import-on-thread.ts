import { readdir, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResourceLimits } from 'node:worker_threads'
import { ImportThreadMessageSchema, type ImportThreadData } from '../../../shared/import-thread'
import type { ImportModelParams, ImportModelResult, ImportProgress } from '../../../shared/model-import'
import { describeIssues } from '../../../shared/validation'
import { EngineFailure, isAllocationFailure } from '../errors'
import { spawnWorker, type ThreadEntry } from '../thread/spawn'

/**
 * The engine's `importModel` on a thread of its own (import-thread.ts): decoding and cutting a
 * FLUX transformer graph is seconds of synchronous work, which on the engine's message loop would
 * hold every status and countTokens answer until it ends. One thread per import; it ends with
 * its answer. A stopped import (the signal: a cancel, or the engine disposed) terminates the
 * thread and removes the `.<id>.partial` folder it may have been writing (importer.ts writes the
 * package there and renames it into place), so the models folder holds the whole package or none.
 */

/** The source entry, for hosts that run TypeScript directly (tsx, vitest), as thread/spawn.ts's. */
export function sourceImportThreadEntry(): ThreadEntry {
  // A path join, not `new URL(…, import.meta.url)`: Vite would copy the .ts into the bundle.
  return {
    url: pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'import-thread.ts')),
    tsx: true
  }
}

export interface ImportOnThreadOptions {
  onProgress?: (event: ImportProgress) => void
  /** Aborting terminates the thread; the import rejects with the signal's reason if it is an EngineFailure, else `cancelled`. */
  signal?: AbortSignal
  /** The thread's heap limits (default Node's): a graph beyond them ends the import as `resources`. */
  resourceLimits?: ResourceLimits
}

type Outcome = { ok: true; result: ImportModelResult } | { ok: false; error: EngineFailure }

export async function importOnThread(
  entry: ThreadEntry,
  params: ImportModelParams,
  options: ImportOnThreadOptions = {}
): Promise<ImportModelResult> {
  const { signal, onProgress } = options
  if (signal?.aborted) throw stopped(signal)
  const modelsDir = resolve(params.modelsDir)
  const before = new Set(await partialFolders(modelsDir))
  const worker = spawnWorker(entry, { params } satisfies ImportThreadData, options.resourceLimits)
  const outcome = await new Promise<Outcome>((settle) => {
    let settled = false
    const end = (o: Outcome) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      settle(o)
    }
    const fail = (code: EngineFailure['code'], message: string) =>
      end({ ok: false, error: new EngineFailure(code, message) })
    const onAbort = () => end({ ok: false, error: stopped(signal as AbortSignal) })
    signal?.addEventListener('abort', onAbort, { once: true })
    worker.on('message', (message: unknown) => {
      const parsed = ImportThreadMessageSchema.safeParse(message)
      if (!parsed.success) return fail('internal', describeIssues('import thread message', parsed.error))
      const m = parsed.data
      if (m.type === 'progress') onProgress?.(m.event)
      else if (m.type === 'result') end({ ok: true, result: m.result })
      else fail(m.error.code, m.error.message)
    })
    // A graph too large for the thread's heap is the machine's limit, as an allocation that fails.
    worker.on('error', (e) =>
      fail(
        isAllocationFailure(e.message) ? 'resources' : 'engine_crashed',
        `the import thread stopped: ${e.message}`
      )
    )
    worker.on('exit', (code) => fail('engine_crashed', `the import thread stopped: exit code ${code}`))
  })
  // Ended before the package was renamed into place: the thread may have been writing it.
  await worker.terminate()
  if (outcome.ok) return outcome.result
  await removeNewPartials(modelsDir, before)
  throw outcome.error
}

function stopped(signal: AbortSignal): EngineFailure {
  const reason: unknown = signal.reason
  return reason instanceof EngineFailure ? reason : new EngineFailure('cancelled', 'import cancelled')
}

/** importer.ts's `.<id>.partial` folders in the models folder. */
async function partialFolders(modelsDir: string): Promise<string[]> {
  try {
    return (await readdir(modelsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name.startsWith('.') && e.name.endsWith('.partial'))
      .map((e) => e.name)
  } catch {
    return []
  }
}

/**
 * The partial folders that appeared during this import: its own (the Engine runs one import at a
 * time, so no other import of this engine writes beside it).
 */
async function removeNewPartials(modelsDir: string, before: ReadonlySet<string>): Promise<void> {
  for (const name of await partialFolders(modelsDir))
    if (!before.has(name)) await rm(join(modelsDir, name), { recursive: true, force: true })
}
