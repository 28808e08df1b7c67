import { describe, expect, it } from 'vitest'
import type { EngineHostStatus } from '../../src/shared/engine-status'
import type { StudioState } from '../../src/renderer/src/store'
import { isEngineReady, whyEngineCannotRun } from '../../src/renderer/src/store/selectors'

const withEngine = (engine: Partial<EngineHostStatus> | null): StudioState =>
  ({
    engine: engine && {
      state: 'ready',
      error: null,
      restarts: 0,
      gaveUp: false,
      version: '0.1.0',
      providers: ['cpu'],
      ...engine
    }
  }) as StudioState

describe('engine selectors', () => {
  it('takes generates while ready or busy (busy queues them)', () => {
    expect(whyEngineCannotRun(withEngine({ state: 'ready' }))).toBeNull()
    expect(whyEngineCannotRun(withEngine({ state: 'busy' }))).toBeNull()
    expect(isEngineReady(withEngine({ state: 'busy' }))).toBe(true)
  })

  it('says why not in every other state, starting before main has said anything', () => {
    expect(whyEngineCannotRun(withEngine(null))).toBe('Engine starting…')
    expect(whyEngineCannotRun(withEngine({ state: 'restarting' }))).toBe('Engine restarting…')
    expect(whyEngineCannotRun(withEngine({ state: 'crashed' }))).toBe('Engine crashed, restarting…')
    expect(whyEngineCannotRun(withEngine({ state: 'crashed', gaveUp: true }))).toBe(
      'Engine crashed: restart it from the status bar'
    )
    expect(whyEngineCannotRun(withEngine({ state: 'stopped' }))).toBe(
      'Engine stopped: restart it from the status bar'
    )
  })
})
