import { remoteStatus, type RemoteEngineStatus } from '../../shared/remote-engine'
import { errorText } from '../../shared/failure'
import { TokenRefused, type RemoteEngine } from './remote-engine'

/**
 * Watches the remote engine in use, for the status bar: asks it every `intervalMs` (one question
 * at a time, each given up after `timeoutMs`) and reports when what it says changes. A
 * `studio serve` is asked its /health (public, cheap) and, once per connection, its model list,
 * which checks the token; a plain OpenAI-Images server has only its model list to ask. The
 * router starts one while the engine is remote and stops it when the engine changes or the app
 * closes; its timer never keeps the process alive.
 */

export interface MonitorTiming {
  intervalMs: number
  timeoutMs: number
}

/** Every 5 s: a server that dies shows as lost within seconds, and idle polling costs nothing much. */
export const MONITOR_TIMING: MonitorTiming = { intervalMs: 5_000, timeoutMs: 4_000 }

export class RemoteMonitor {
  readonly engine: RemoteEngine
  readonly #onChange: (status: RemoteEngineStatus) => void
  readonly #timing: MonitorTiming
  #status: RemoteEngineStatus
  #timer: ReturnType<typeof setTimeout> | undefined
  #checking = false
  #stopped = false
  /** Whether the token was accepted since the server last answered (asked again after a loss). */
  #tokenAccepted = false

  constructor(
    engine: RemoteEngine,
    onChange: (status: RemoteEngineStatus) => void,
    timing: MonitorTiming = MONITOR_TIMING
  ) {
    this.engine = engine
    this.#onChange = onChange
    this.#timing = timing
    this.#status = remoteStatus(engine.url, 'connecting')
    this.#round()
  }

  status(): RemoteEngineStatus {
    return this.#status
  }

  /** Asks at once (a call to the server just failed), rather than at the next round. */
  checkNow(): void {
    if (this.#stopped || this.#checking) return
    clearTimeout(this.#timer)
    this.#round()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  #round(): void {
    this.#checking = true
    void this.#check()
      .then((next) => {
        if (this.#stopped) return
        const changed =
          JSON.stringify({ ...next, lastSeen: 0 }) !== JSON.stringify({ ...this.#status, lastSeen: 0 })
        this.#status = next
        if (changed) this.#onChange(next)
      })
      .catch((e: unknown) => process.stderr.write(`remote engine status: ${errorText(e)}\n`))
      .finally(() => {
        this.#checking = false
        if (this.#stopped) return
        this.#timer = setTimeout(() => this.#round(), this.#timing.intervalMs)
        this.#timer.unref?.()
      })
  }

  /** What the server says now; never rejects (a failure is the status). */
  async #check(): Promise<RemoteEngineStatus> {
    const signal = AbortSignal.timeout(this.#timing.timeoutMs)
    // The server's kind may be a question another call asked without a time limit: bound it too.
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
    )
    try {
      return await Promise.race([this.#ask(signal), timedOut])
    } catch (e) {
      this.#tokenAccepted = false
      if (e instanceof TokenRefused) {
        const error = 'it refuses the saved token: enter the right one in Settings → Engine'
        return { ...this.#status, state: 'refused', error, lastSeen: Date.now() }
      }
      // What it was running stays shown beside the loss; lastSeen stays the last answer.
      const error = signal.aborted ? `no answer in ${this.#timing.timeoutMs / 1000} s` : this.#reason(e)
      return { ...this.#status, state: 'lost', jobs: null, error }
    }
  }

  async #ask(signal: AbortSignal): Promise<RemoteEngineStatus> {
    const server = await this.engine.server(signal)
    if (server === 'openai') {
      await this.engine.listModels(signal)
      this.#tokenAccepted = true
      return remoteStatus(this.engine.url, 'ready', { server, lastSeen: Date.now() })
    }
    const health = await this.engine.health(signal)
    if (!this.#tokenAccepted) {
      await this.engine.listModels(signal)
      this.#tokenAccepted = true
    }
    return remoteStatus(this.engine.url, health.jobs.running > 0 ? 'busy' : 'ready', {
      server,
      version: health.version,
      mode: health.mode,
      jobs: health.jobs,
      lastSeen: Date.now()
    })
  }

  /** "connection lost (ECONNREFUSED)", without the "remote engine at URL: " the status bar shows beside it. */
  #reason(e: unknown): string {
    const text = errorText(e)
    const prefix = `remote engine at ${this.engine.url}: `
    return text.startsWith(prefix) ? text.slice(prefix.length) : text
  }
}
