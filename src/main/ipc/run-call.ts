import {
  REQUEST_SCHEMAS,
  type ApiError,
  type ApiResult,
  type StudioCall,
  type StudioCalls
} from '../../shared/api'
import { describeIssues } from '../../shared/validation'
import { isEngineFailure } from '../engine/errors'
import { ApiFailure } from '../../shared/failure'

/** A handler gets the validated payload (not the raw one) and may throw; the wrapper makes a value of it. */
export type CallHandler<C extends StudioCall> = (
  ...params: StudioCalls[C]['params']
) => StudioCalls[C]['return'] | Promise<StudioCalls[C]['return']>

/**
 * Validates a call's payload with its contract schema, runs the handler, and answers a value:
 * `{ ok: true, value }`, or `{ ok: false, error }` naming the bad field. Nothing a renderer sends
 * can throw through here into the main process.
 */
export async function runCall<C extends StudioCall>(
  call: C,
  handler: CallHandler<C>,
  params: unknown[]
): Promise<ApiResult<StudioCalls[C]['return']>> {
  const schema = REQUEST_SCHEMAS[call]
  const expected = schema === null ? 0 : 1
  if (params.length > expected) {
    return fail('bad_request', `${call}: expected ${expected} argument(s), got ${params.length}`)
  }
  let args: unknown[] = []
  if (schema !== null) {
    const parsed = schema.safeParse(params[0])
    if (!parsed.success) return fail('bad_request', describeIssues(call, parsed.error))
    args = [parsed.data]
  }
  try {
    const value = await (handler as (...a: unknown[]) => unknown)(...args)
    return { ok: true, value: value as StudioCalls[C]['return'] }
  } catch (e) {
    if (e instanceof ApiFailure || isEngineFailure(e)) return fail(e.code, e.message)
    return fail('internal', `${call}: ${e instanceof Error ? e.message : String(e)}`)
  }
}

export function fail(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } }
}
