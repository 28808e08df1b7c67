import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { ImportThreadDataSchema, type ImportThreadMessage } from '../../../shared/import-thread'
import { describeIssues } from '../../../shared/validation'
import { toEngineError } from '../errors'
import { importModel } from './import-model'

/**
 * The import thread: one `importModel` run off the engine's message loop, which stays free to
 * answer status, listModels and countTokens while a large transformer graph is decoded and cut
 * (seconds of synchronous work for a FLUX graph). It posts the importer's progress lines, then one
 * result or one error (shared/import-thread.ts), and ends. Started by import-on-thread.ts, built
 * by electron-vite from `import p from './app-import/import-thread?modulePath'` (engine-setup.ts)
 * and run from source under tsx elsewhere, as the generation thread (thread/spawn.ts).
 */
async function run(port: MessagePort, data: unknown): Promise<void> {
  const post = (message: ImportThreadMessage) => port.postMessage(message)
  const parsed = ImportThreadDataSchema.safeParse(data)
  if (!parsed.success) {
    post({ type: 'error', error: { code: 'bad_request', message: describeIssues('import', parsed.error) } })
    return
  }
  try {
    const result = await importModel(parsed.data.params, (event) => post({ type: 'progress', event }))
    post({ type: 'result', result })
  } catch (e) {
    post({ type: 'error', error: toEngineError(e) })
  }
}

if (parentPort) void run(parentPort, workerData)
