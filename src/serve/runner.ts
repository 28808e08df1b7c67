import type { GenerateRequest } from '../shared/generation'
import type { WireImage, WireProgress } from './wire'

/**
 * Where a server's jobs run: on engines in this process (LocalRunner) or on a farm of workers
 * behind a queue (FarmRunner). The job queue in front of either is the same (jobs.ts).
 */

export interface RunnableJob {
  id: string
  /** One request per image, in the order the outputs come back. */
  requests: readonly GenerateRequest[]
}

export interface RunHooks {
  signal: AbortSignal
  onProgress(index: number, event: WireProgress): void
  /** Called once per image, in index order. */
  onImage(image: WireImage): void
  /** A farm worker was lost while it ran image `index`; the queue runs it again. */
  onRetry?(index: number, reason: string): void
}

export interface Runner {
  readonly mode: 'local' | 'farm'
  /** How many jobs may run at once. */
  readonly capacity: number
  /** The job's images in index order; rejects with an EngineFailure (code `cancelled` on abort). */
  run(job: RunnableJob, hooks: RunHooks): Promise<WireImage[]>
  close(): Promise<void>
}
