import { constants, type Stats } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import { EngineFailure } from '../errors'

/**
 * Reads files of a folder the user did not make (a downloaded model): only regular files, never
 * through a symlink, never more bytes than the file had when it was opened and never more than a
 * bound. A FIFO would block a read (and the thread pool thread under it) forever, a device such
 * as /dev/zero never ends, and a symlink can point anywhere on the machine.
 *
 * The check and the read use the same handle: the path is lstat'ed (every folder between the root
 * and the file too), opened with O_NOFOLLOW | O_NONBLOCK, and the handle is fstat'ed and compared
 * with the lstat, so a file swapped for a FIFO or a link between the two is refused, not read.
 * Errors are EngineFailures: `model_invalid` for a file that is not acceptable, `model_not_found`
 * for a missing one (callers reword it), `io` for a read that failed.
 */

export interface SafeReadOptions {
  /** Refuse a file larger than this many bytes (checked on the opened handle, before reading). */
  maxBytes: number
  /** How the file is named in messages, e.g. `transformer/embed.onnx` (default: the path). */
  label?: string
  /**
   * The folder the file must lie in. Every path component from it down is checked to be a real
   * folder (not a symlink); without it only the file itself is checked.
   */
  root?: string
}

/** What assertRegularFile found: the size and identity of a regular file. */
export interface RegularFileInfo {
  size: number
  dev: number
  ino: number
}

// Windows has neither flag; there a FIFO or a device cannot be a file in a folder anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/**
 * Checks, without opening it, that `path` is a regular file within the bound and that neither it
 * nor any folder between `root` and it is a symlink. Use it where a file is only measured (the
 * size of a model on Add model); read with readRegularFile, which checks again on the handle.
 */
export async function assertRegularFile(path: string, options: SafeReadOptions): Promise<RegularFileInfo> {
  const label = options.label ?? path
  if (options.root !== undefined) await assertRealFolders(options.root, path, label)
  let st: Stats
  try {
    st = await lstat(path)
  } catch (e) {
    throw missingOrUnreadable(e, label)
  }
  checkKind(st, label)
  checkSize(st.size, options.maxBytes, label)
  return { size: st.size, dev: st.dev, ino: st.ino }
}

/** The whole content of a regular file, read through one checked handle (see the module comment). */
export async function readRegularFile(path: string, options: SafeReadOptions): Promise<Uint8Array> {
  const label = options.label ?? path
  const before = await assertRegularFile(path, options)
  let handle
  try {
    handle = await open(path, OPEN_FLAGS)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    // O_NOFOLLOW on a path that became a symlink after the lstat.
    if (code === 'ELOOP' || code === 'EMLINK') throw notRegular(label, 'a symbolic link')
    throw missingOrUnreadable(e, label)
  }
  try {
    const st = await handle.stat()
    checkKind(st, label)
    if (st.dev !== before.dev || st.ino !== before.ino) {
      throw new EngineFailure('model_invalid', `${label}: changed while it was being opened; refused`)
    }
    checkSize(st.size, options.maxBytes, label)
    const bytes = new Uint8Array(st.size)
    let filled = 0
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    if (filled < bytes.length) {
      throw new EngineFailure(
        'model_invalid',
        `${label}: shrank while it was read (${filled} of ${bytes.length} bytes)`
      )
    }
    return bytes
  } catch (e) {
    if (e instanceof EngineFailure) throw e
    throw new EngineFailure('io', `${label}: cannot read (${(e as Error).message})`)
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/** readRegularFile decoded as UTF-8. */
export async function readRegularText(path: string, options: SafeReadOptions): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(path, options))
}

/** Every folder from `root` (exclusive) down to the file's parent must be a folder, not a link. */
async function assertRealFolders(root: string, path: string, label: string): Promise<void> {
  const rel = relative(root, path)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new EngineFailure('model_invalid', `${label}: not inside ${root}; refused`)
  }
  const parts = rel.split(sep).slice(0, -1)
  let dir = root
  for (const part of parts) {
    dir = join(dir, part)
    let st: Stats
    try {
      st = await lstat(dir)
    } catch (e) {
      throw missingOrUnreadable(e, label)
    }
    if (st.isSymbolicLink()) {
      throw new EngineFailure(
        'model_invalid',
        `${label}: its folder ${relative(root, dir)} is a symbolic link; only real folders and regular files are read`
      )
    }
    if (!st.isDirectory()) {
      throw new EngineFailure(
        'model_not_found',
        `${label}: not found (${relative(root, dir)} is not a folder)`
      )
    }
  }
}

function checkKind(st: Stats, label: string): void {
  if (st.isFile()) return
  const kind = st.isSymbolicLink()
    ? 'a symbolic link'
    : st.isFIFO()
      ? 'a FIFO (named pipe)'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : st.isDirectory()
            ? 'a folder'
            : 'not a regular file'
  throw notRegular(label, kind)
}

function notRegular(label: string, kind: string): EngineFailure {
  return new EngineFailure('model_invalid', `${label}: is ${kind}; only regular files are read`)
}

function checkSize(size: number, maxBytes: number, label: string): void {
  if (size > maxBytes) {
    throw new EngineFailure(
      'model_invalid',
      `${label}: ${size} bytes, over the limit of ${maxBytes} bytes (${formatBytes(maxBytes)}) for this file`
    )
  }
}

function missingOrUnreadable(e: unknown, label: string): EngineFailure {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new EngineFailure('model_not_found', `${label}: not found`)
  return new EngineFailure('io', `${label}: cannot read (${(e as Error).message})`)
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`
  return `${n} bytes`
}
