import type { ApiResult } from './api'
import { ApiFailure } from './failure'

/**
 * The renderer's end of a `window.studio` call: main's door (`main/ipc/handle.ts`) turns a thrown
 * `ApiFailure` into `{ ok: false, error }`, and `unwrap` turns that value back into the same
 * failure, code kept. Pure, so each slice calls `window.studio` and reads the answer itself, with
 * no renderer module between them (docs/architecture.md, "The way of a request").
 */

/** The value of a call, or its failure thrown as an `ApiFailure` with the contract's code and message. */
export async function unwrap<T>(result: Promise<ApiResult<T>>): Promise<T> {
  const r = await result
  if (!r.ok) throw new ApiFailure(r.error.code, r.error.message)
  return r.value
}

/** A call that ended because the user cancelled it: not a failure to show in red. */
export const isCancelled = (e: unknown): boolean => e instanceof ApiFailure && e.code === 'cancelled'

/** The one line to show for what a call threw. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))
