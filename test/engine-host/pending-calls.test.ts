import { describe, expect, it, vi } from 'vitest'
import { PendingCalls } from '../../src/shared/pending-calls'

/** The correlation of the app's two request/answer doors (engine host, engine → thread). */
describe('PendingCalls', () => {
  it('settles a call by its answer once; a second answer, a failure or a late answer for it is dropped', async () => {
    const calls = new PendingCalls<string, { method: string }>()
    const a = calls.open('a', { method: 'status' })
    expect(calls.route('a')).toEqual({ method: 'status' })
    calls.answer('a', 1)
    calls.answer('a', 2)
    calls.fail('a', new Error('too late'))
    calls.answer('unknown', 3)
    await expect(a).resolves.toBe(1)
    expect(calls.route('a')).toBeUndefined()
    expect(calls.size).toBe(0)
  })

  it('fails a call that is not answered within its timeout, and an answer after that is dropped', async () => {
    vi.useFakeTimers()
    try {
      const calls = new PendingCalls<number, null>()
      const late = calls.open(1, null, { ms: 1000, error: () => new Error('no answer within 1 s') })
      const settled = late.catch((e: Error) => e.message)
      vi.advanceTimersByTime(999)
      expect(calls.size).toBe(1)
      vi.advanceTimersByTime(1)
      calls.answer(1, 'after the timeout')
      await expect(settled).resolves.toBe('no answer within 1 s')
      // An answered call's timer is cleared: it does not fire into a later call of the same id.
      const again = calls.open(1, null, { ms: 1000, error: () => new Error('stale timer') })
      calls.answer(1, 'in time')
      vi.advanceTimersByTime(5000)
      await expect(again).resolves.toBe('in time')
    } finally {
      vi.useRealTimers()
    }
  })

  it('failAll fails every open call with the error its route calls for, and leaves none open', async () => {
    const calls = new PendingCalls<string, { method: string }>()
    const generate = calls.open('g', { method: 'generate' })
    const status = calls.open('s', { method: 'status' })
    calls.failAll((route) => new Error(`${route.method} failed: the engine stopped`))
    await expect(generate).rejects.toThrow('generate failed: the engine stopped')
    await expect(status).rejects.toThrow('status failed: the engine stopped')
    expect(calls.size).toBe(0)
  })
})
