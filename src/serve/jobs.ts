import { randomUUID } from 'node:crypto'
import { toEngineError } from '../main/engine/errors'
import type { EngineError } from '../shared/engine-protocol'
import type { GenerateRequest } from '../shared/generation'
import type { Runner } from './runner'
import { TERMINAL_EVENTS, type JobEvent, type WireImage } from './wire'

/**
 * The server's bounded job queue: at most `maxRunning` jobs run (the runner's capacity), at most
 * `maxQueued` wait, and a submit past that is refused at once (the HTTP layer answers 429) instead
 * of piling up requests without end. Every job keeps its event history, so a stream opened after
 * a job started still shows it from the first step; finished jobs are kept for a while so their
 * result and events can still be read.
 */

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface JobLimits {
  maxQueued: number
  /** Finished jobs kept for GET /v1/jobs/:id (the oldest are forgotten first). */
  keepFinished: number
}

/** Past this many events a job stops recording progress (its stream still gets them live). */
const MAX_RECORDED_EVENTS = 20_000

export class QueueFullError extends Error {}
export class DuplicateJobError extends Error {}

export interface Job {
  readonly id: string
  readonly created: number
  readonly requests: readonly GenerateRequest[]
  status: JobStatus
  images: WireImage[] | null
  error: EngineError | null
  /** Settles when the job has finished, whatever the outcome (never rejects). */
  readonly done: Promise<void>
}

interface JobState extends Job {
  events: JobEvent[]
  listeners: Set<(event: JobEvent) => void>
  controller: AbortController
  finish: () => void
}

export class JobQueue {
  readonly #runner: Runner
  readonly #limits: JobLimits
  readonly #jobs = new Map<string, JobState>()
  readonly #waiting: JobState[] = []
  readonly #finished: string[] = []
  #running = 0

  constructor(runner: Runner, limits: JobLimits) {
    this.#runner = runner
    this.#limits = limits
  }

  get mode(): Runner['mode'] {
    return this.#runner.mode
  }

  stats(): { running: number; queued: number; capacity: number; maxQueued: number } {
    return {
      running: this.#running,
      queued: this.#waiting.length,
      capacity: this.#runner.capacity,
      maxQueued: this.#limits.maxQueued
    }
  }

  /** Accepts a job or throws QueueFullError / DuplicateJobError; never waits. */
  submit(requests: readonly GenerateRequest[], id: string = `job_${randomUUID().replace(/-/g, '')}`): Job {
    if (this.#jobs.has(id)) throw new DuplicateJobError(`job "${id}" already exists`)
    const idle = this.#running < this.#runner.capacity
    if (!idle && this.#waiting.length >= this.#limits.maxQueued) {
      throw new QueueFullError(
        `the server is busy: ${this.#running} jobs running and ${this.#waiting.length} waiting (the most it queues); try again later`
      )
    }
    let finish = () => {}
    const done = new Promise<void>((resolve) => (finish = resolve))
    const job: JobState = {
      id,
      created: Date.now(),
      requests,
      status: 'queued',
      images: null,
      error: null,
      done,
      events: [],
      listeners: new Set(),
      controller: new AbortController(),
      finish
    }
    this.#jobs.set(id, job)
    this.#waiting.push(job)
    this.#emit(job, { type: 'queued', job: id, position: this.#waiting.length - 1 })
    this.#pump()
    return job
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id)
  }

  /** Cancels a waiting or running job; `finished` when it had already ended. */
  cancel(id: string): 'cancelled' | 'finished' | 'unknown' {
    const job = this.#jobs.get(id)
    if (!job) return 'unknown'
    if (job.status === 'queued') {
      this.#waiting.splice(this.#waiting.indexOf(job), 1)
      this.#end(job, 'cancelled')
      return 'cancelled'
    }
    if (job.status !== 'running') return 'finished'
    // The runner ends it with a `cancelled` failure within one engine call.
    job.controller.abort()
    return 'cancelled'
  }

  /**
   * Every event of the job so far, then the live ones, until its terminal event. Returns the
   * function that stops listening (a closed stream).
   */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    const job = this.#jobs.get(id)
    if (!job) throw new Error(`no job "${id}"`)
    for (const event of job.events) listener(event)
    if (TERMINAL_EVENTS.has(job.events[job.events.length - 1]?.type)) return () => {}
    job.listeners.add(listener)
    return () => job.listeners.delete(listener)
  }

  /** Cancels everything and waits for the running jobs to stop. */
  async close(): Promise<void> {
    for (const job of [...this.#waiting]) this.cancel(job.id)
    const running = [...this.#jobs.values()].filter((j) => j.status === 'running')
    for (const job of running) job.controller.abort()
    await Promise.all(running.map((j) => j.done))
  }

  #pump(): void {
    while (this.#running < this.#runner.capacity && this.#waiting.length > 0) {
      const job = this.#waiting.shift() as JobState
      void this.#run(job)
    }
  }

  async #run(job: JobState): Promise<void> {
    this.#running++
    job.status = 'running'
    this.#emit(job, { type: 'started', job: job.id })
    try {
      job.images = await this.#runner.run(job, {
        signal: job.controller.signal,
        onProgress: (index, event) => this.#emit(job, { type: 'progress', job: job.id, index, event }),
        onImage: (image) =>
          this.#emit(job, {
            type: 'image',
            job: job.id,
            index: image.index,
            recipe: image.recipe,
            summary: image.summary,
            timings: image.timings
          }),
        onRetry: (index, reason) => this.#emit(job, { type: 'retrying', job: job.id, index, reason })
      })
      this.#end(job, 'succeeded')
    } catch (e) {
      const error = toEngineError(e)
      if (error.code === 'cancelled') this.#end(job, 'cancelled')
      else this.#end(job, 'failed', error)
    } finally {
      this.#running--
      this.#pump()
    }
  }

  #end(job: JobState, status: 'succeeded' | 'failed' | 'cancelled', error?: EngineError): void {
    job.status = status
    job.error = error ?? null
    const event: JobEvent =
      status === 'failed'
        ? { type: 'failed', job: job.id, error: job.error ?? { code: 'internal', message: 'failed' } }
        : { type: status, job: job.id }
    this.#emit(job, event)
    job.listeners.clear()
    job.finish()
    this.#finished.push(job.id)
    while (this.#finished.length > this.#limits.keepFinished) {
      this.#jobs.delete(this.#finished.shift() as string)
    }
  }

  #emit(job: JobState, event: JobEvent): void {
    if (event.type !== 'progress' || job.events.length < MAX_RECORDED_EVENTS) job.events.push(event)
    for (const listener of job.listeners) {
      try {
        listener(event)
      } catch {
        // A listener is a stream to a client; a broken one is dropped, the job goes on.
        job.listeners.delete(listener)
      }
    }
  }
}
