import { Engine, type EngineOptions } from '../main/engine/engine'
import type { Runner, RunHooks, RunnableJob } from './runner'
import { toWireImage, toWireProgress, type WireImage } from './wire'

/**
 * Jobs on engines in this process: one Engine (one generation thread, its own ONNX sessions)
 * per concurrent job, so `capacity` jobs really run side by side; a job's images run one after
 * the other on its engine. An engine whose thread crashed restarts it on its next request.
 */
export class LocalRunner implements Runner {
  readonly mode = 'local'
  readonly capacity: number
  readonly #engines: Engine[]
  readonly #free: Engine[]

  private constructor(engines: Engine[]) {
    this.capacity = engines.length
    this.#engines = engines
    this.#free = [...engines]
  }

  static async create(options: EngineOptions, capacity: number): Promise<LocalRunner> {
    const engines: Engine[] = []
    try {
      for (let i = 0; i < capacity; i++) engines.push(await Engine.create(options))
    } catch (e) {
      await Promise.all(engines.map((engine) => engine.dispose()))
      throw e
    }
    return new LocalRunner(engines)
  }

  async run(job: RunnableJob, hooks: RunHooks): Promise<WireImage[]> {
    // The job queue never runs more jobs than `capacity`, so an engine is always free here.
    const engine = this.#free.pop()
    if (!engine) throw new Error('local runner: more jobs than engines (job queue bug)')
    try {
      const images: WireImage[] = []
      for (const [index, request] of job.requests.entries()) {
        const result = await engine.generate(request, {
          signal: hooks.signal,
          onProgress: (event) => hooks.onProgress(index, toWireProgress(event))
        })
        const image = toWireImage(result, index)
        hooks.onImage(image)
        images.push(image)
      }
      return images
    } finally {
      this.#free.push(engine)
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#engines.map((engine) => engine.dispose()))
  }
}
