import { Engine, sourceThreadEntry } from '../../main/engine/engine'
import { startFarmWorker } from '../../serve/farm/farm-worker'
import { intFlag, commandFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs } from '../models'

/** `studio worker`: one render-farm worker on a BullMQ queue (docs/serving.md, "The farm"). */

export const WORKER_USAGE = `Usage: studio worker --queue redis://HOST:PORT[/DB] [options]
  --queue URL            the farm's Redis (required)
  --models-dir DIR       also look for models here (repeatable): the server's model ids must resolve
  --provider P           auto|cpu|cuda|dml|coreml (default: what each job asks, normally auto)
  --threads N            ONNX Runtime intra-op threads per session (default: ORT's choice)
  --concurrency N        jobs taken at once (default 1: the engine runs one at a time)
  --lock-ms MS           job lock; a dead worker's job is retried after about this long (default 30000)
  --max-stalled N        times a job may be found stalled before it fails (default 2)`

const OPTIONS = {
  queue: { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  provider: { type: 'string' },
  threads: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-ms': { type: 'string' },
  'max-stalled': { type: 'string' }
} as const

export async function workerCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, WORKER_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  if (values.queue === undefined) throw new UsageError('--queue redis://HOST:PORT is required')
  const provider = values.provider === undefined ? undefined : providerFlag(values.provider)
  const engine = await Engine.create({
    modelDirs: modelDirs(values['models-dir'] ?? []),
    thread: sourceThreadEntry(),
    defaultProvider: provider,
    tuning: { intraOpThreads: intFlag('threads', values.threads, 0, 256) ?? 0 }
  })
  try {
    const worker = await startFarmWorker({
      url: values.queue,
      engine,
      concurrency: intFlag('concurrency', values.concurrency, 1, 64) ?? 1,
      lockMs: intFlag('lock-ms', values['lock-ms'], 1000, 3_600_000) ?? 30_000,
      maxStalled: intFlag('max-stalled', values['max-stalled'], 1, 100) ?? 2,
      log: (line) => io.out(`studio worker: ${line}`)
    })
    io.out(`studio worker: waiting for jobs on ${values.queue} (pid ${process.pid})`)
    await untilStopped()
    io.out('studio worker: stopping (the job in hand is finished first)')
    await worker.close()
  } finally {
    await engine.dispose()
  }
  return 0
}

/** Resolves on the first SIGINT or SIGTERM: a long-running command's clean end. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
