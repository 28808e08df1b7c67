import { describe, expect, it } from 'vitest'
import type { ApiResult } from '../../src/shared/api'
import { ApiFailure, errorText, isCancelled, unwrap } from '../../src/shared/failure'

const answer = <T>(r: ApiResult<T>): Promise<ApiResult<T>> => Promise.resolve(r)

describe('the renderer end of a call (shared/failure.ts)', () => {
  it("gives a call's value", async () => {
    await expect(unwrap(answer({ ok: true, value: { id: 'e-1' } }))).resolves.toEqual({ id: 'e-1' })
  })

  it('EXPECTED FAILURE - a failed answer is thrown as the ApiFailure main turned into a value, code and message kept', async () => {
    const thrown = await unwrap(
      answer({ ok: false, error: { code: 'disk_full', message: 'the disk is full' } })
    ).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(ApiFailure)
    expect(thrown).toMatchObject({ code: 'disk_full', message: 'the disk is full' })
    expect(isCancelled(thrown)).toBe(false)
    expect(errorText(thrown)).toBe('the disk is full')
  })

  it('a cancelled call is told apart from a failure; a plain error is not a cancel', async () => {
    const cancelled = await unwrap(
      answer({ ok: false, error: { code: 'cancelled', message: 'generate: cancelled' } })
    ).catch((e: unknown) => e)
    expect(isCancelled(cancelled)).toBe(true)
    expect(isCancelled(new Error('cancelled'))).toBe(false)
    expect(errorText('not an Error')).toBe('not an Error')
  })
})
