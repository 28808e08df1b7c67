import { describe, expect, it } from 'vitest'
import type { StudioState } from '../../src/renderer/src/store'
import { isEngineReady, whyEngineCannotRun } from '../../src/renderer/src/store/selectors'
import type { EngineHostStatus } from '../../src/shared/engine-status'
import type { RemoteEngineStatus, RemoteState } from '../../src/shared/remote-engine'

/**
 * With a remote engine in use, whether the studio can generate follows the server, not this
 * app's engine (which then only computes compare's metrics): a starting or crashed local engine
 * does not block it; a lost connection does not either (the try says what happened); a server
 * without a usable token does, with the reason.
 */
const remote = (state: RemoteState, error: string | null = null): RemoteEngineStatus => ({
  url: 'http://gpu-box:8420',
  state,
  server: 'studio',
  version: '0.1.0',
  mode: 'local',
  jobs: { running: 0, queued: 0, capacity: 1, maxQueued: 32 },
  error,
  lastSeen: 1
})
const withEngine = (local: EngineHostStatus['state'], r: RemoteEngineStatus | null): StudioState => {
  const engine: EngineHostStatus = {
    state: local,
    error: null,
    restarts: 0,
    gaveUp: true,
    version: null,
    providers: [],
    remote: r
  }
  return { engine } as StudioState
}

describe('engine selectors with a remote engine', () => {
  it("generates on a reachable or lost server whatever this app's engine is doing", () => {
    for (const local of ['starting', 'crashed', 'stopped'] as const) {
      expect(whyEngineCannotRun(withEngine(local, remote('ready')))).toBeNull()
      expect(whyEngineCannotRun(withEngine(local, remote('busy')))).toBeNull()
      expect(
        whyEngineCannotRun(withEngine(local, remote('lost', 'connection lost (ECONNREFUSED)')))
      ).toBeNull()
    }
  })

  it('refuses with the reason when the server cannot be used', () => {
    expect(whyEngineCannotRun(withEngine('ready', remote('refused', 'no token is saved for it')))).toBe(
      'Remote engine: no token is saved for it'
    )
  })

  it('is ready (models reloaded on the change) when the server answers, not when it is lost', () => {
    expect(isEngineReady(withEngine('crashed', remote('ready')))).toBe(true)
    expect(isEngineReady(withEngine('ready', remote('connecting')))).toBe(false)
    expect(isEngineReady(withEngine('ready', remote('lost')))).toBe(false)
    // Back to local: this app's engine again.
    expect(isEngineReady(withEngine('ready', null))).toBe(true)
    expect(whyEngineCannotRun(withEngine('stopped', null))).toMatch(/^Engine stopped/)
  })
})
