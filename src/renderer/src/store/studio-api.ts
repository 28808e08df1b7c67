import type { ApiErrorCode, ApiResult, StudioApi } from '../../../shared/api'

/** The preload's bridge; read on each call so tests can put a fake on `window` before using the store. */
export const studio = (): StudioApi => window.studio

/** A failed call, with the contract's error code kept (`cancelled` is not a failure to show in red). */
export class StudioCallError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'StudioCallError'
  }
}

/** The value of a call, or a StudioCallError with its code and message. */
export async function unwrap<T>(result: Promise<ApiResult<T>>): Promise<T> {
  const r = await result
  if (!r.ok) throw new StudioCallError(r.error.code, r.error.message)
  return r.value
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))
