import type { ApiError, ApiResult } from './api'

/**
 * Failures that reach the user with a code and a sentence, for every room: main's handlers, the
 * gallery and settings stores, and the CLI (which writes outputs the same way). Pure: they look at
 * an error's `code`, nothing of Node's.
 */

/** An error thrown on purpose: it reaches the renderer (or the CLI's stderr) with its code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiError['code'],
    message: string
  ) {
    super(message)
    this.name = 'ApiFailure'
  }
}

/** errno codes that mean "no room": the disk, or the user's quota, is full. */
const FULL = new Set(['ENOSPC', 'EDQUOT'])

export function isDiskFull(e: unknown): boolean {
  return typeof e === 'object' && e !== null && FULL.has(String((e as { code?: unknown }).code))
}

/**
 * What a failed write tells the user: `disk_full` when there is no room (with what to do about
 * it), `io` otherwise. Writes are atomic (main/engine/atomic-write.ts), so in both cases what was
 * saved before is untouched, and the message says so.
 */
export function storageFailure(e: unknown, action: string, where: string): ApiFailure {
  if (isDiskFull(e)) {
    return new ApiFailure(
      'disk_full',
      `${action}: the disk is full (${where}). Nothing saved before was changed; free some space and try again.`
    )
  }
  return new ApiFailure('io', `${action}: ${errorText(e)}. Nothing saved before was changed.`)
}

/**
 * The renderer's end of a `window.studio` call: main's door (`main/ipc/handle.ts`) turns a thrown
 * `ApiFailure` into `{ ok: false, error }`, and `unwrap` turns that value back into the same
 * failure, code kept, so each slice calls `window.studio` and reads the answer itself with no
 * renderer module between them (docs/architecture.md, "The way of a request").
 */
export async function unwrap<T>(result: Promise<ApiResult<T>>): Promise<T> {
  const r = await result
  if (!r.ok) throw new ApiFailure(r.error.code, r.error.message)
  return r.value
}

/** A call that ended because the user cancelled it: not a failure to show in red. */
export const isCancelled = (e: unknown): boolean => e instanceof ApiFailure && e.code === 'cancelled'

/** The one line to show for what a call threw. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
