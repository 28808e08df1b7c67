import { resolve } from 'node:path'
import { sourceThreadEntry } from '../../src/main/engine/engine'
import { engineArgs } from '../../src/shared/engine-options'
import { ForkSpawner } from '../../src/main/engine-host/fork-spawner'
import type { EngineChild, EngineSpawner } from '../../src/main/engine-host/spawner'

export const FIXTURE_MODELS = resolve('test/fixtures/models')
export const WORKER_ENTRY = resolve('src/main/engine/worker.ts')

/** The real engine worker, forked under tsx, serving the test fixture models (or the given folders). */
export function realEngineSpawner(embedded: string[] = [FIXTURE_MODELS]): ForkSpawner {
  const thread = sourceThreadEntry()
  return new ForkSpawner({
    entry: WORKER_ENTRY,
    args: engineArgs({
      modelDirs: { embedded },
      thread: { url: String(thread.url), tsx: thread.tsx },
      tuning: { intraOpThreads: 1 }
    })
  })
}

/** Wraps a spawner and keeps every child it made, so a test can kill the live one. */
export class RecordingSpawner implements EngineSpawner {
  readonly children: EngineChild[] = []
  constructor(readonly inner: EngineSpawner) {}

  spawn(): EngineChild {
    const child = this.inner.spawn()
    this.children.push(child)
    return child
  }

  get live(): EngineChild {
    return this.children[this.children.length - 1]
  }
}
