import type { EngineMessage } from '../../shared/engine-protocol'
import type { ProgressEvent } from '../../shared/generation'
import type { ImportProgress } from '../../shared/model-import'
import { EngineFailure } from '../engine/errors'

interface Pending {
  method: string
  resolve: (result: unknown) => void
  reject: (error: EngineFailure) => void
  onProgress?: (event: ProgressEvent) => void
  onImportProgress?: (event: ImportProgress) => void
  timer?: NodeJS.Timeout
}

/** Requests sent to the current engine process and not yet answered, by request id. */
export class PendingRequests {
  readonly #byId = new Map<string, Pending>()
  #next = 0

  /** Registers a request; its promise settles with the response, a timeout, or failAll. */
  add(
    method: string,
    options: {
      timeoutMs?: number
      onProgress?: (event: ProgressEvent) => void
      onImportProgress?: (event: ImportProgress) => void
    }
  ): { id: string; response: Promise<unknown> } {
    const id = `${method}-${++this.#next}`
    const response = new Promise<unknown>((resolve, reject) => {
      const entry: Pending = {
        method,
        resolve,
        reject,
        onProgress: options.onProgress,
        onImportProgress: options.onImportProgress
      }
      if (options.timeoutMs !== undefined) {
        const seconds = Math.round(options.timeoutMs / 1000)
        entry.timer = setTimeout(
          () =>
            this.#settle(id, (p) =>
              p.reject(
                new EngineFailure('internal', `${method}: the engine did not answer within ${seconds} s`)
              )
            ),
          options.timeoutMs
        )
      }
      this.#byId.set(id, entry)
    })
    return { id, response }
  }

  get size(): number {
    return this.#byId.size
  }

  /** Routes a response or progress event to its request; unknown ids (late answers) are dropped. */
  deliver(message: EngineMessage): void {
    if (message.kind === 'progress') this.#byId.get(message.id)?.onProgress?.(message.event)
    if (message.kind === 'importProgress') this.#byId.get(message.id)?.onImportProgress?.(message.event)
    if (message.kind !== 'response') return
    this.#settle(message.id, (p) =>
      message.ok
        ? p.resolve(message.result)
        : p.reject(new EngineFailure(message.error.code, message.error.message))
    )
  }

  /** Fails every request, e.g. when the process that was serving them died. */
  failAll(error: (method: string) => EngineFailure): void {
    for (const id of [...this.#byId.keys()]) this.#settle(id, (p) => p.reject(error(p.method)))
  }

  #settle(id: string, settle: (pending: Pending) => void): void {
    const pending = this.#byId.get(id)
    if (!pending) return
    this.#byId.delete(id)
    clearTimeout(pending.timer)
    settle(pending)
  }
}
