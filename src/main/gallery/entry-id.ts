import { randomBytes } from 'node:crypto'

/** A new entry id: sortable by time, unique by a random tail, safe as a folder name. */
export function newEntryId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase()
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

/**
 * The exact shape newEntryId makes. A folder is taken for one of the studio's entries only when its
 * name has it: a folder a user put into the gallery with any other name is never touched.
 */
export const OWN_ENTRY_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/

export const isOwnEntryId = (name: string): boolean => OWN_ENTRY_ID.test(name)
