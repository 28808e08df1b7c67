import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never a
 * torn mix: write a temp file beside it, fsync it, rename it over, then fsync the folder so the
 * rename itself is on disk.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const file = await open(temp, 'w')
  try {
    await file.writeFile(data)
    await file.sync()
  } catch (e) {
    await file.close()
    await rm(temp, { force: true })
    throw e
  }
  await file.close()
  await rename(temp, path)
  await syncDir(dirname(path))
}

/** fsync a folder, so renames inside it survive a power cut (a no-op where folders can't be opened: Windows). */
export async function syncDir(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  } finally {
    await handle?.close()
  }
}
