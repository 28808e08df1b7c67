import type { EngineHostStatus } from '../../shared/engine-status'
import { EngineFailure } from '../engine/errors'
import { memoryCrashReason } from './memory-crash'
import { describeExit, failedChild, type ChildExit, type EngineChild, type EngineSpawner } from './spawner'
import * as timing from './timing'

/** How a process ended, in the words its requests are failed with. */
export interface EngineCrash {
  /** `the engine stopped unexpectedly (why): stderr tail`. */
  detail: string
  /** Why the end looks like memory running out (memory-crash.ts), or null. */
  memory: string | null
}

/** What the supervisor tells the engine host, which owns the requests and the status line. */
export interface SupervisedHost {
  setStatus(change: Partial<EngineHostStatus>): void
  /** A process was spawned: requests are posted to it, and its messages read, from now on. */
  attach(child: EngineChild): void
  /** The process died: answer what it was serving. */
  crashed(crash: EngineCrash): void
  /** Restarts stopped: fail what waits for a ready engine. */
  gaveUp(error: EngineFailure): void
}

/**
 * Keeps one engine process running for the host: spawns it (a spawn that throws is a crash at
 * start), kills it if it does not report ready in time, and after a crash starts a new one with
 * backoff, until too many crashes in the window (timing.ts) make it give up until a restart by
 * hand. It runs when a process starts, becomes ready or ends, never per request: requests and
 * answers go between the host and the process's own channel (docs/architecture.md, the way of a
 * request).
 */
export class EngineSupervisor {
  readonly #spawner: EngineSpawner
  readonly #host: SupervisedHost
  readonly #readyTimeoutMs: number
  readonly #restartBackoffMs: readonly number[]
  #child: EngineChild | undefined
  #readyTimer: NodeJS.Timeout | undefined
  /** Set when the ready timer killed the child, so the crash report says so. */
  #hungAtStart: string | undefined
  #restartTimer: NodeJS.Timeout | undefined
  #crashTimes: number[] = []
  #restarts = 0

  constructor(
    spawner: EngineSpawner,
    host: SupervisedHost,
    options: { readyTimeoutMs: number; restartBackoffMs: readonly number[] }
  ) {
    this.#spawner = spawner
    this.#host = host
    this.#readyTimeoutMs = options.readyTimeoutMs
    this.#restartBackoffMs = options.restartBackoffMs
  }

  start(): void {
    if (!this.#child) this.#spawn('starting')
  }

  /** Restart by hand: forgets the crashes counted so far, so it also ends a give-up. */
  restart(): void {
    this.#crashTimes = []
    clearTimeout(this.#restartTimer)
    this.#host.setStatus({ gaveUp: false })
    this.#child?.kill() // its exit is then a crash like any other, and restarts it
    if (!this.#child) this.#spawn('restarting')
  }

  /** The process reported ready: it is not hung. */
  ready(): void {
    clearTimeout(this.#readyTimer)
  }

  /** Kills the process for good: its exit is not a crash, and nothing is restarted. */
  stop(): void {
    clearTimeout(this.#restartTimer)
    clearTimeout(this.#readyTimer)
    const child = this.#child
    this.#child = undefined
    child?.kill()
  }

  #spawn(state: 'starting' | 'restarting'): void {
    this.#host.setStatus({ state })
    let child: EngineChild
    try {
      child = this.#spawner.spawn()
    } catch (e) {
      // A spawn that throws (missing worker file, bad path) is a crash at start: same backoff, same limit.
      child = failedChild(e instanceof Error ? e.message : String(e))
    }
    this.#child = child
    this.#host.attach(child)
    child.onExit((exit) => this.#onExit(child, exit))
    this.#readyTimer = setTimeout(() => {
      child.kill()
      this.#hungAtStart = `it did not report ready within ${Math.round(this.#readyTimeoutMs / 1000)} s`
    }, this.#readyTimeoutMs)
  }

  #onExit(child: EngineChild, exit: ChildExit): void {
    if (child !== this.#child) return
    this.#child = undefined
    clearTimeout(this.#readyTimer)
    const why = this.#hungAtStart ?? describeExit(exit)
    this.#hungAtStart = undefined
    const tail = child.stderrTail()
    const detail = `the engine stopped unexpectedly (${why})${tail ? `: ${tail}` : ''}`
    this.#host.crashed({ detail, memory: memoryCrashReason(exit, tail) })

    const now = Date.now()
    this.#crashTimes = [...this.#crashTimes.filter((t) => now - t < timing.CRASH_WINDOW_MS), now]
    if (this.#crashTimes.length > timing.MAX_CRASHES) {
      const error = `${detail} — gave up after ${timing.MAX_CRASHES} restarts in ${timing.CRASH_WINDOW_MS / 1000} s`
      this.#host.setStatus({ state: 'crashed', error, gaveUp: true })
      this.#host.gaveUp(new EngineFailure('engine_crashed', error))
      return
    }
    this.#host.setStatus({ state: 'crashed', error: detail })
    const delay = timing.restartDelay(this.#crashTimes.length, this.#restartBackoffMs)
    this.#restartTimer = setTimeout(() => {
      this.#host.setStatus({ restarts: ++this.#restarts })
      this.#spawn('restarting')
    }, delay)
  }
}
