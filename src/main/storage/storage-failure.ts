import { ApiFailure } from '../ipc/api-failure'

/** errno codes that mean "no room": the disk, or the user's quota, is full. */
const FULL = new Set(['ENOSPC', 'EDQUOT'])

export function isDiskFull(e: unknown): boolean {
  return typeof e === 'object' && e !== null && FULL.has(String((e as { code?: unknown }).code))
}

/**
 * What a failed write tells the user: `disk_full` when there is no room (with what to do about
 * it), `io` otherwise. Writes are atomic (storage/atomic-write.ts), so in both cases what was
 * saved before is untouched, and the message says so.
 */
export function storageFailure(e: unknown, action: string, where: string): ApiFailure {
  if (isDiskFull(e)) {
    return new ApiFailure(
      'disk_full',
      `${action}: the disk is full (${where}). Nothing saved before was changed; free some space and try again.`
    )
  }
  const reason = e instanceof Error ? e.message : String(e)
  return new ApiFailure('io', `${action}: ${reason}. Nothing saved before was changed.`)
}
