import type { AddressInfo } from 'node:net'
import { sourceThreadEntry } from '../main/engine/engine'
import type { SessionTuning } from '../main/engine/model/session'
import type { ModelDirs } from '../main/engine/model/registry'
import type { Provider } from '../shared/providers'
import { buildServer } from './app'
import { ModelCatalog } from './catalog'
import { FarmRunner } from './farm/farm-runner'
import { JobQueue } from './jobs'
import { LocalRunner } from './local-runner'
import type { Runner } from './runner'

/** `studio serve` without its flags: the runner, the job queue and the HTTP server, started. */

export interface StartOptions {
  host: string
  port: number
  token: string
  modelDirs: ModelDirs
  provider: Provider
  tuning: SessionTuning
  /** Jobs running at once: engines in this process, or jobs handed to the farm. */
  maxJobs: number
  maxQueued: number
  bodyLimit: number
  defaultModel?: string
  /** redis://… : enqueue on the farm instead of running here. */
  queueUrl?: string
}

export interface RunningServer {
  url: string
  mode: Runner['mode']
  close(): Promise<void>
}

const KEEP_FINISHED_JOBS = 256

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const runner: Runner = options.queueUrl
    ? await FarmRunner.connect(options.queueUrl, options.maxJobs)
    : await LocalRunner.create(
        { modelDirs: options.modelDirs, thread: sourceThreadEntry(), tuning: options.tuning },
        options.maxJobs
      )
  const queue = new JobQueue(runner, { maxQueued: options.maxQueued, keepFinished: KEEP_FINISHED_JOBS })
  const app = buildServer({
    queue,
    catalog: new ModelCatalog(options.modelDirs),
    token: options.token,
    provider: options.provider,
    bodyLimit: options.bodyLimit,
    defaultModel: options.defaultModel
  })
  try {
    await app.listen({ host: options.host, port: options.port })
  } catch (e) {
    await runner.close()
    throw e
  }
  const address = app.server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}`,
    mode: runner.mode,
    close: async () => {
      // Stop taking requests, end the jobs (their blocking requests answer `cancelled`), then the engines.
      const closing = app.close()
      await queue.close()
      await closing
      await runner.close()
    }
  }
}
