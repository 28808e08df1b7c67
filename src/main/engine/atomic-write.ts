import { randomBytes } from 'node:crypto'
import { lstat, open, readdir, rename, rm, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never a
 * torn mix: write a temp file beside it, fsync it, rename it over, then fsync the folder so the
 * rename itself is on disk.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  // The name must match isAtomicTempOf below, or a crash's leftovers are never cleaned.
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

/** Whether `name` is a temp file writeFileAtomic made for `target` (a base name): that exact pattern only. */
export function isAtomicTempOf(name: string, target: string): boolean {
  const prefix = `.${target}.`
  return (
    name.startsWith(prefix) &&
    name.endsWith('.tmp') &&
    /^[0-9a-f]{12}$/.test(name.slice(prefix.length, -'.tmp'.length))
  )
}

/**
 * Removes the temp files a crash left beside `target` (one of writeFileAtomic's), and nothing else:
 * only names of the exact pattern it writes. Returns the names removed.
 */
export async function removeStrayTemps(dir: string, target: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return [] // no folder yet: nothing was ever written there
  }
  const stray: string[] = []
  for (const name of names.filter((n) => isAtomicTempOf(n, target))) {
    const path = join(dir, name)
    // A folder of that name is not one of ours: the writer only makes files.
    if (!(await lstat(path)).isFile()) continue
    await unlink(path)
    stray.push(name)
  }
  return stray
}
