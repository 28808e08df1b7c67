import type * as FsPromises from 'node:fs/promises'

/**
 * A full disk at the module boundary: while `disk.full` is set, every write through a file handle,
 * every `writeFile` and every copy fails with ENOSPC, as the kernel reports it. Tests mock node:fs/promises with
 * `fullDiskFsPromises` so the real code paths (temp file, rename, cleanup) run against it.
 */
export const disk: { full: boolean; fullUnder: string | null } = {
  full: false,
  /** Full only for writes under this folder (the rest of the disk still takes writes). */
  fullUnder: null
}

function isFull(path: unknown): boolean {
  return disk.full || (disk.fullUnder !== null && String(path).startsWith(disk.fullUnder))
}

export function enospc(path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, write '${path}'`)
  e.code = 'ENOSPC'
  e.errno = -28
  e.syscall = 'write'
  e.path = path
  return e
}

export function fullDiskFsPromises(real: typeof FsPromises): typeof FsPromises {
  const open: typeof real.open = async (path, ...rest) => {
    const handle = await real.open(path, ...rest)
    return new Proxy(handle, {
      get(target, prop) {
        if ((prop === 'writeFile' || prop === 'write') && isFull(path))
          return async () => {
            throw enospc(String(path))
          }
        const value: unknown = Reflect.get(target, prop)
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
  }
  const cp: typeof real.cp = async (source, destination, options) => {
    if (isFull(destination)) throw enospc(String(destination))
    return real.cp(source, destination, options)
  }
  const writeFile: typeof real.writeFile = async (path, data, options) => {
    if (isFull(path)) throw enospc(String(path))
    return real.writeFile(path, data, options)
  }
  const mocked = { open, cp, writeFile }
  return { ...real, ...mocked, default: { ...real, ...mocked } } as typeof FsPromises
}
