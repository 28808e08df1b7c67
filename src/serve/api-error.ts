import type { z } from 'zod'
import type { EngineError, EngineErrorCode } from '../shared/engine-protocol'
import { describeIssues } from '../shared/validation'

/**
 * An HTTP error in the OpenAI API's shape, `{ error: { message, type, param, code } }`, which the
 * official clients turn into their typed errors (BadRequestError with `.param`, …). `param` names
 * the offending field of the body (e.g. `cache_studio.seed`), as OpenAI's own 400s do.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null
  ) {
    super(message)
  }
}

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

export function errorBody(e: ApiError): ApiErrorBody {
  const type =
    e.status === 401
      ? 'authentication_error'
      : e.status === 429
        ? 'rate_limit_error'
        : e.status >= 500
          ? 'server_error'
          : 'invalid_request_error'
  return { error: { message: e.message, type, param: e.param, code: e.code } }
}

/** A body that failed its schema: 400, the message names every bad field, `param` the first. */
export function invalidBody(what: string, error: z.ZodError): ApiError {
  const first = error.issues[0]
  const param = first && first.path.length > 0 ? first.path.map(String).join('.') : null
  return new ApiError(400, describeIssues(what, error), param, 'invalid_value')
}

// The engine's refusals keep their code; the status says whose fault it was.
const STATUS: Record<EngineErrorCode, number> = {
  bad_request: 400,
  model_invalid: 400,
  model_not_found: 404,
  cancelled: 409,
  numeric: 500,
  provider_unavailable: 503,
  io: 500,
  resources: 503,
  engine_crashed: 503,
  internal: 500
}

export function fromEngineError(error: EngineError): ApiError {
  return new ApiError(STATUS[error.code], error.message, null, error.code)
}
