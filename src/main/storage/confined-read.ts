import { lstat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { readRegular, RegularFileRefusal, type Refusal } from '../engine/model/safe-read'

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

/** `dir` itself must be a real folder, not a symlink to one elsewhere. */
export async function assertOwnFolder(dir: string, label: string): Promise<void> {
  const stat = await lstatOrMissing(dir, label)
  if (stat.isSymbolicLink()) throw new NotOwnFile(label, 'is a symbolic link')
  if (!stat.isDirectory()) throw new NotOwnFile(label, 'is not a folder')
}

/**
 * Reads `name` from `dir`, only if it is a plain name that resolves inside `dir` and is a regular
 * file there (not a symlink, FIFO or device), through engine/model/safe-read.ts's one checked
 * handle. Read errors other than those (EACCES, EIO) are thrown as they are: they say nothing
 * about whether the file is the studio's. No size bound: the studio wrote these files itself.
 */
export async function readOwnFile(dir: string, name: string): Promise<Buffer> {
  if (!PLAIN_FILE_NAME.test(name) || relative(dir, join(dir, name)) !== name)
    throw new NotOwnFile(JSON.stringify(name), 'is not a plain file name inside the folder')
  try {
    const bytes = await readRegular(join(dir, name))
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  } catch (e) {
    if (e instanceof RegularFileRefusal) throw notOwn(name, e.refusal)
    throw e
  }
}

/** A refusal in the gallery's words (its tests and the notices quote them). */
function notOwn(name: string, r: Refusal): Error {
  switch (r.kind) {
    case 'missing':
      return new NotOwnFile(name, 'is missing')
    case 'not-regular':
      return new NotOwnFile(
        name,
        r.what === 'a symbolic link' ? 'is a symbolic link' : 'is not a regular file'
      )
    case 'changed':
      return new NotOwnFile(name, 'changed while it was being opened')
    case 'shrank':
      return new NotOwnFile(name, `shrank while it was read (${r.read} of ${r.size} bytes)`)
    case 'unreadable':
      return r.cause
    // No bound and no root are asked for: these cannot happen here.
    case 'too-large':
    case 'outside-root':
    case 'folder-link':
    case 'folder-not-folder':
      return new NotOwnFile(name, 'is not a regular file')
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
