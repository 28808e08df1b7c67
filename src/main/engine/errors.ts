import { EngineErrorCodeSchema, type EngineErrorCode } from '../../shared/engine-protocol'

/**
 * The engine's one error type. Every failure a caller can act on carries a code from the shared
 * protocol, so the message server sends `{ code, message }` without guessing from text.
 */
export class EngineFailure extends Error {
  readonly code: EngineErrorCode

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'EngineFailure'
    this.code = code
  }
}

export function isEngineFailure(e: unknown): e is EngineFailure {
  return e instanceof EngineFailure
}

/**
 * Any thrown value as `{ code, message }`. Errors of other modules that carry a protocol code
 * (the cache's NonFiniteError says `numeric`) keep it; the rest become `internal`.
 */
export function toEngineError(e: unknown): { code: EngineErrorCode; message: string } {
  if (e instanceof EngineFailure) return { code: e.code, message: e.message }
  if (e instanceof Error) {
    const code = EngineErrorCodeSchema.safeParse((e as { code?: unknown }).code)
    return { code: code.success ? code.data : 'internal', message: e.message }
  }
  return { code: 'internal', message: String(e) }
}

/** The error a cancelled generation ends with. */
export function cancelled(): EngineFailure {
  return new EngineFailure('cancelled', 'generation cancelled')
}
