import { randomBytes } from 'node:crypto'

/** A new entry id: sortable by time, unique by a random tail, safe as a folder name. */
export function newEntryId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase()
  return `${stamp}-${randomBytes(3).toString('hex')}`
}
