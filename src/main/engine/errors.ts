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

/**
 * Whether an error message is an allocation that failed: ONNX Runtime's arena ("Failed to
 * allocate memory for requested buffer of size …"), a C++ bad_alloc, V8's array buffers, or the
 * OS (ENOMEM). These are the machine's limits, not a broken model or an engine bug.
 */
export function isAllocationFailure(message: string): boolean {
  return /failed to allocate memory|bad_alloc|array buffer allocation failed|out of memory|ENOMEM|cannot allocate memory/i.test(
    message
  )
}

/**
 * The error of a failed ONNX Runtime call: `resources` (naming `what`) when it was an allocation,
 * else `fallback`'s code and message.
 */
export function runtimeFailure(
  e: unknown,
  what: string,
  fallback: { code: EngineErrorCode; message: string } | null = null
): Error {
  const message = e instanceof Error ? e.message : String(e)
  if (isAllocationFailure(message)) {
    return new EngineFailure('resources', `${what}: out of memory (${allocationSummary(message)})`, {
      cause: e
    })
  }
  if (fallback) return new EngineFailure(fallback.code, fallback.message, { cause: e })
  return e instanceof Error ? e : new Error(message)
}

/** ORT's long status line made short: what asked for how much, else the first line. */
function allocationSummary(message: string): string {
  const size = /requested buffer of size (\d+)/.exec(message)
  const op = /while running (\S+) node/.exec(message)
  if (size) {
    const gib = (Number(size[1]) / 2 ** 30).toFixed(1)
    return `${op ? `a ${op[1]} node ` : ''}asked for ${gib} GiB and the allocation failed`
  }
  return message.trim().split('\n')[0]
}

/** A `resources` failure that does not name its model yet, prefixed with the model's id. */
export function namingModel(e: unknown, id: string): unknown {
  if (!(e instanceof EngineFailure) || e.code !== 'resources' || e.message.startsWith(`${id}: `)) return e
  return new EngineFailure('resources', `${id}: ${e.message}`, { cause: e })
}
