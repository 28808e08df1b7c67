import { describe, expect, it } from 'vitest'
import type { EngineHostStatus } from '../../src/shared/engine-status'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import type { ChildExit, EngineChild, EngineSpawner } from '../../src/main/engine-host/spawner'
import { failureOf } from '../engine/failure-of'

/**
 * The host keeping its process running, with children that never get as far as a request: one
 * that never reports ready is killed and restarted like a crash, a spawn that throws counts as a
 * crash at start, too many crashes in the window stop the restarts (and fail what waits for a
 * ready engine), and a restart by hand starts again.
 */

/** A child that says nothing; killing it ends it as Electron reports our own kill. */
class SilentChild implements EngineChild {
  readonly pid = 1
  killed = false
  #onExit: (exit: ChildExit) => void = () => undefined
  postMessage(): void {}
  onMessage(): void {}
  onExit(listener: (exit: ChildExit) => void): void {
    this.#onExit = listener
  }
  stderrTail(): string {
    return 'still loading'
  }
  kill(): void {
    this.killed = true
    queueMicrotask(() => this.#onExit({ code: null, signal: 'SIGKILL', killedByUs: true }))
  }
}

function statusWhen(host: EngineHost, done: (s: EngineHostStatus) => boolean): Promise<EngineHostStatus> {
  return new Promise((resolve) => {
    const off = host.onStatus((s) => {
      if (!done(s)) return
      off()
      resolve(s)
    })
  })
}

describe('EngineHost supervising its process', () => {
  it('EXPECTED FAILURE - a process that does not report ready in time is killed, reported as hung and restarted', async () => {
    const children: SilentChild[] = []
    const spawner: EngineSpawner = { spawn: () => children[children.push(new SilentChild()) - 1] }
    const host = new EngineHost(spawner, { readyTimeoutMs: 1_000, restartBackoffMs: [1] })
    const crashed = statusWhen(host, (s) => s.state === 'crashed')
    const restarted = statusWhen(host, (s) => s.state === 'restarting')
    host.start()
    expect(await crashed).toMatchObject({
      error: 'the engine stopped unexpectedly (it did not report ready within 1 s): still loading',
      gaveUp: false
    })
    expect(children[0].killed).toBe(true)
    expect(await restarted).toMatchObject({ restarts: 1 })
    expect(children).toHaveLength(2)
    await host.dispose()
    expect(host.status().state).toBe('stopped')
  })

  it('EXPECTED FAILURE - a spawn that keeps throwing gives up after the limit and fails what waits for a ready engine', async () => {
    let spawns = 0
    const spawner: EngineSpawner = {
      spawn: () => {
        spawns++
        throw new Error('worker file missing')
      }
    }
    const host = new EngineHost(spawner, { restartBackoffMs: [1] })
    host.start()
    const e = await failureOf(host.request('status', {}))
    const gaveUp = 'the engine stopped unexpectedly (worker file missing) — gave up after 5 restarts in 60 s'
    expect(e.code).toBe('engine_crashed')
    expect(e.message).toBe(gaveUp)
    expect(spawns).toBe(6)
    expect(host.status()).toMatchObject({ state: 'crashed', error: gaveUp, gaveUp: true, restarts: 5 })
    // Once given up, a request fails at once instead of waiting for an engine that is not coming.
    expect((await failureOf(host.request('listModels', {}))).message).toBe(gaveUp)

    const again = statusWhen(host, (s) => s.state === 'restarting')
    host.restart()
    expect(await again).toMatchObject({ gaveUp: false })
    expect(spawns).toBe(7)
    await host.dispose()
  })
})
