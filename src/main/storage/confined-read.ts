import { constants } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { join, relative } from 'node:path'

/** A name the studio writes into a folder of its own: one plain name, nothing that climbs out. */
export const PLAIN_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/**
 * A file inside a folder the studio made is not what it wrote: a name that leaves the folder, a
 * symlink, something that is not a regular file, or a file that is missing. The caller decides what
 * that means for the thing the folder holds (the gallery sets the entry aside as corrupt).
 */
export class NotOwnFile extends Error {
  constructor(
    readonly file: string,
    readonly problem: string
  ) {
    super(`${file} ${problem}`)
    this.name = 'NotOwnFile'
  }
}

// O_NOFOLLOW closes the gap between lstat and open; O_NONBLOCK keeps a FIFO from hanging the open.
// Both are absent on Windows, where the lstat check stands alone.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/** `dir` itself must be a real folder, not a symlink to one elsewhere. */
export async function assertOwnFolder(dir: string, label: string): Promise<void> {
  const stat = await lstatOrMissing(dir, label)
  if (stat.isSymbolicLink()) throw new NotOwnFile(label, 'is a symbolic link')
  if (!stat.isDirectory()) throw new NotOwnFile(label, 'is not a folder')
}

/**
 * Reads `name` from `dir`, only if it is a plain name that resolves inside `dir` and is a regular
 * file there (not a symlink, FIFO or device). Read errors other than those (EACCES, EIO) are thrown
 * as they are: they say nothing about whether the file is the studio's.
 */
export async function readOwnFile(dir: string, name: string): Promise<Buffer> {
  if (!PLAIN_FILE_NAME.test(name) || relative(dir, join(dir, name)) !== name)
    throw new NotOwnFile(JSON.stringify(name), 'is not a plain file name inside the folder')
  const path = join(dir, name)
  const stat = await lstatOrMissing(path, name)
  if (stat.isSymbolicLink()) throw new NotOwnFile(name, 'is a symbolic link')
  if (!stat.isFile()) throw new NotOwnFile(name, 'is not a regular file')
  let handle
  try {
    handle = await open(path, READ_FLAGS)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'EMLINK') throw new NotOwnFile(name, 'is a symbolic link')
    if (code === 'ENOENT') throw new NotOwnFile(name, 'is missing')
    throw e
  }
  try {
    if (!(await handle.stat()).isFile()) throw new NotOwnFile(name, 'is not a regular file')
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

async function lstatOrMissing(path: string, label: string): Promise<Awaited<ReturnType<typeof lstat>>> {
  try {
    return await lstat(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotOwnFile(label, 'is missing')
    throw e
  }
}
