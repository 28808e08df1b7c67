import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import {
  callChannel,
  eventChannel,
  type StudioCall,
  type StudioEvent,
  type StudioEvents
} from '../../shared/api'
import { isTrustedUrl } from '../security/trusted-url'
import { fail, runCall, type CallHandler } from './run-call'

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
