import type { ApiError } from '../../shared/api'

/** An error a handler throws on purpose: it reaches the renderer with its code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiError['code'],
    message: string
  ) {
    super(message)
    this.name = 'ApiFailure'
  }
}
