import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import {
  callChannel,
  eventChannel,
  REQUEST_SCHEMAS,
  type ApiError,
  type ApiResult,
  type StudioCall,
  type StudioCalls,
  type StudioEvent,
  type StudioEvents
} from '../../shared/api'
import { ApiFailure } from '../../shared/failure'
import { describeIssues } from '../../shared/validation'
import { isEngineFailure } from '../engine/errors'
import { isTrustedUrl } from '../security/trusted-url'

/**
 * The renderer → main door: one place where a call is checked (its sender, then its payload
 * against the contract schema, once) and its outcome made a value. Nothing a renderer sends can
 * throw through here into the main process.
 */

/** A handler gets the validated payload (not the raw one) and may throw; the wrapper makes a value of it. */
export type CallHandler<C extends StudioCall> = (
  ...params: StudioCalls[C]['params']
) => StudioCalls[C]['return'] | Promise<StudioCalls[C]['return']>

/** Registers the main-process side of one call. Calls from frames that aren't the app are refused. */
export function handleCall<C extends StudioCall>(call: C, handler: CallHandler<C>): void {
  ipcMain.handle(callChannel(call), (event: IpcMainInvokeEvent, ...params: unknown[]) => {
    const url = event.senderFrame?.url ?? ''
    if (!isTrustedUrl(url))
      return fail('bad_request', `${call}: refused a call from ${url || 'an unknown frame'}`)
    return runCall(call, handler, params)
  })
}

/** Sends an event to a window, unless it is gone (closing windows must not crash the sender). */
export function sendEvent<E extends StudioEvent>(
  target: WebContents | undefined,
  event: E,
  payload: StudioEvents[E]
): void {
  if (target && !target.isDestroyed()) target.send(eventChannel(event), payload)
}

/**
 * Validates a call's payload with its contract schema, runs the handler, and answers a value:
 * `{ ok: true, value }`, or `{ ok: false, error }` naming the bad field.
 */
async function runCall<C extends StudioCall>(
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

function fail(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } }
}
