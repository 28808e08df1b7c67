import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GenerateRequestInput } from '../../src/shared/generation'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import type { ChildExit, EngineChild, EngineSpawner } from '../../src/main/engine-host/spawner'
import { RecordingSpawner, realEngineSpawner } from './real-engine'
import { failureOf } from '../engine/failure-of'

/**
 * An engine that dies of memory exhaustion during a generate: the generate fails with
 * `resources` naming the model, that model is not sent to the engine again (so it cannot crash
 * it in a loop), the engine restarts and serves the other models, and a restart by hand lets the
 * model be tried again. Before, each such generate was an `engine_crashed` and the next one
 * crashed the engine again, until the host gave up after 5 crashes in 60 s.
 */

const request = (model: string, steps: number): GenerateRequestInput => ({
  model,
  prompt: 'a red circle',
  seed: 3,
  steps
})

describe('EngineHost with the real engine killed as the out-of-memory killer does', () => {
  const spawner = new RecordingSpawner(realEngineSpawner())
  const host = new EngineHost(spawner, { restartBackoffMs: [50] })
  beforeAll(() => host.start())
  afterAll(() => host.dispose())

  it('EXPECTED FAILURE - answers resources for that model, does not run it again, and keeps serving the others', async () => {
    await host.request('status', {})
    const first = spawner.live
    let killed = false
    const running = host.generate(request('tiny-image', 400), {
      onProgress: () => {
        if (killed) return
        killed = true
        // From outside the app, not through EngineChild.kill(): what Linux's OOM killer does.
        process.kill(first.pid as number, 'SIGKILL')
      }
    })
    const e = await failureOf(running)
    expect(e.code).toBe('resources')
    expect(e.message).toBe(
      'tiny-image: the engine ran out of memory generating with it (killed by SIGKILL from outside the app, as the system does when memory runs out); it is not run again until the engine is restarted'
    )

    const again = await failureOf(host.generate(request('tiny-image', 2)))
    expect(again.code).toBe('resources')
    expect(again.message).toBe(e.message)

    const other = await host.generate(request('tiny-p3', 2))
    expect(other.recipe.model).toBe('tiny-p3')
    expect(spawner.children).toHaveLength(2) // one restart, no crash loop
    expect(host.status()).toMatchObject({ state: 'ready', gaveUp: false })

    host.restart()
    // restart() kills the engine; wait for the new one before asking it.
    await new Promise<void>((resolve) => {
      const off = host.onStatus((s) => {
        if (s.state === 'ready' && spawner.children.length === 3) {
          off()
          resolve()
        }
      })
    })
    const retried = await host.generate(request('tiny-image', 2))
    expect(retried.recipe.model).toBe('tiny-image')
  })
})

/** A child that becomes ready, answers status, and dies as told when it gets a generate. */
class DyingChild implements EngineChild {
  readonly pid = 1
  #onMessage: (m: unknown) => void = () => undefined
  #onExit: (e: ChildExit) => void = () => undefined
  constructor(
    readonly exit: ChildExit,
    readonly stderr: string
  ) {
    queueMicrotask(() => this.#onMessage({ kind: 'ready', version: 'test' }))
  }
  postMessage(message: unknown): void {
    const m = message as { id: string; method: string }
    if (m.method === 'status')
      queueMicrotask(() =>
        this.#onMessage({
          kind: 'response',
          id: m.id,
          ok: true,
          result: { version: 'test', providers: ['cpu'], busy: false }
        })
      )
    if (m.method === 'generate') queueMicrotask(() => this.#onExit(this.exit))
  }
  onMessage(listener: (m: unknown) => void): void {
    this.#onMessage = listener
  }
  onExit(listener: (e: ChildExit) => void): void {
    this.#onExit = listener
  }
  stderrTail(): string {
    return this.stderr
  }
  kill(): void {
    this.#onExit({ code: null, signal: 'SIGKILL', killedByUs: true })
  }
}

function hostDyingWith(exit: ChildExit, stderr: string): { host: EngineHost; spawns: () => number } {
  let spawns = 0
  const spawner: EngineSpawner = {
    spawn: () => {
      spawns++
      return new DyingChild(exit, stderr)
    }
  }
  const host = new EngineHost(spawner, { restartBackoffMs: [1] })
  host.start()
  return { host, spawns: () => spawns }
}

describe('EngineHost telling a memory death from another crash', () => {
  it("EXPECTED FAILURE - V8's heap-out-of-memory abort is resources for the model", async () => {
    const { host } = hostDyingWith(
      { code: null, signal: 'SIGABRT' },
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'
    )
    const e = await failureOf(host.generate(request('big-model', 1)))
    expect(e.code).toBe('resources')
    expect(e.message).toMatch(
      /^big-model: the engine ran out of memory generating with it \(it reported running out of memory\)/
    )
    await host.dispose()
  })

  it('EXPECTED FAILURE - an uncaught bad_alloc in ONNX Runtime is resources for the model', async () => {
    const { host } = hostDyingWith(
      { code: 134, signal: null },
      "terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc"
    )
    const e = await failureOf(host.generate(request('big-model', 1)))
    expect(e.code).toBe('resources')
    await host.dispose()
  })

  it('a segfault stays engine_crashed, and the model may be tried again', async () => {
    const { host, spawns } = hostDyingWith({ code: null, signal: 'SIGSEGV' }, 'Segmentation fault')
    const e = await failureOf(host.generate(request('some-model', 1)))
    expect(e.code).toBe('engine_crashed')
    const again = await failureOf(host.generate(request('some-model', 1)))
    expect(again.code).toBe('engine_crashed')
    expect(spawns()).toBeGreaterThanOrEqual(2)
    await host.dispose()
  })
})
