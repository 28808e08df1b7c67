import { constants, type Stats } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import { EngineFailure } from '../errors'

/**
 * Reads only regular files: never through a symlink, never more bytes than the file had when it
 * was opened and never more than a bound. A FIFO would block a read (and the thread pool thread
 * under it) forever, a device such as /dev/zero never ends, and a symlink can point anywhere on
 * the machine. The one implementation for every room that reads a file someone else could have
 * put there: a downloaded model (this module's EngineFailure wording below), the gallery's own
 * folders (main/storage/confined-read.ts) and calibrated presets (engine/calibrated-store.ts).
 *
 * The check and the read use the same handle: the path is lstat'ed (every folder between the root
 * and the file too), opened with O_NOFOLLOW | O_NONBLOCK, and the handle is fstat'ed and compared
 * with the lstat, so a file swapped for a FIFO or a link between the two is refused, not read.
 * What is wrong is a RegularFileRefusal, a value each caller words as its users expect.
 */

// ── the core ─────────────────────────────────────────────────────────────────────────────────

/** What a path is when it is not a regular file, in the words messages use. */
export type NotRegularKind =
  'a symbolic link' | 'a FIFO (named pipe)' | 'a device' | 'a socket' | 'a folder' | 'not a regular file'

export type Refusal =
  | { kind: 'missing' }
  | { kind: 'not-regular'; what: NotRegularKind }
  | { kind: 'too-large'; size: number; maxBytes: number }
  /** The path named another file at open than at lstat (swapped in between). */
  | { kind: 'changed' }
  | { kind: 'shrank'; read: number; size: number }
  | { kind: 'outside-root'; root: string }
  /** A folder between the root and the file (relative to the root) is a symlink, or not a folder. */
  | { kind: 'folder-link'; folder: string }
  | { kind: 'folder-not-folder'; folder: string }
  /** The system refused the lstat, open or read (EACCES, EIO…): says nothing about the file's kind. */
  | { kind: 'unreadable'; cause: Error }

export class RegularFileRefusal extends Error {
  constructor(
    readonly path: string,
    readonly refusal: Refusal
  ) {
    super(`${path}: ${refusal.kind}`)
    this.name = 'RegularFileRefusal'
  }
}

export interface RegularReadOptions {
  /** Refuse a file larger than this many bytes (checked on the opened handle, before reading). */
  maxBytes?: number
  /**
   * The folder the file must lie in. Every path component from it down is checked to be a real
   * folder (not a symlink); without it only the file itself is checked.
   */
  root?: string
}

/** What statRegular found: the size and identity of a regular file. */
export interface RegularFileInfo {
  size: number
  dev: number
  ino: number
}

// Windows has neither flag; there a FIFO or a device cannot be a file in a folder anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

/**
 * Checks, without opening it, that `path` is a regular file within the bound and that neither it
 * nor any folder between `root` and it is a symlink. Throws RegularFileRefusal.
 */
export async function statRegular(path: string, options: RegularReadOptions = {}): Promise<RegularFileInfo> {
  const refuse = (r: Refusal): RegularFileRefusal => new RegularFileRefusal(path, r)
  if (options.root !== undefined) await checkRealFolders(options.root, path)
  let st: Stats
  try {
    st = await lstat(path)
  } catch (e) {
    throw refuse(missingOrUnreadable(e))
  }
  checkKind(st, path)
  checkSize(st.size, options.maxBytes, path)
  return { size: st.size, dev: st.dev, ino: st.ino }
}

/** The whole content of a regular file, read through one checked handle. Throws RegularFileRefusal. */
export async function readRegular(path: string, options: RegularReadOptions = {}): Promise<Uint8Array> {
  const refuse = (r: Refusal): RegularFileRefusal => new RegularFileRefusal(path, r)
  const before = await statRegular(path, options)
  let handle
  try {
    handle = await open(path, OPEN_FLAGS)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    // O_NOFOLLOW on a path that became a symlink after the lstat.
    if (code === 'ELOOP' || code === 'EMLINK') throw refuse({ kind: 'not-regular', what: 'a symbolic link' })
    throw refuse(missingOrUnreadable(e))
  }
  try {
    const st = await handle.stat()
    checkKind(st, path)
    if (st.dev !== before.dev || st.ino !== before.ino) throw refuse({ kind: 'changed' })
    checkSize(st.size, options.maxBytes, path)
    const bytes = new Uint8Array(st.size)
    let filled = 0
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    if (filled < bytes.length) throw refuse({ kind: 'shrank', read: filled, size: bytes.length })
    return bytes
  } catch (e) {
    if (e instanceof RegularFileRefusal) throw e
    throw refuse({ kind: 'unreadable', cause: e as Error })
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/** Every folder from `root` (exclusive) down to the file's parent must be a folder, not a link. */
async function checkRealFolders(root: string, path: string): Promise<void> {
  const refuse = (r: Refusal): RegularFileRefusal => new RegularFileRefusal(path, r)
  const rel = relative(root, path)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw refuse({ kind: 'outside-root', root })
  let dir = root
  for (const part of rel.split(sep).slice(0, -1)) {
    dir = join(dir, part)
    let st: Stats
    try {
      st = await lstat(dir)
    } catch (e) {
      throw refuse(missingOrUnreadable(e))
    }
    if (st.isSymbolicLink()) throw refuse({ kind: 'folder-link', folder: relative(root, dir) })
    if (!st.isDirectory()) throw refuse({ kind: 'folder-not-folder', folder: relative(root, dir) })
  }
}

function checkKind(st: Stats, path: string): void {
  if (st.isFile()) return
  const what: NotRegularKind = st.isSymbolicLink()
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
  throw new RegularFileRefusal(path, { kind: 'not-regular', what })
}

function checkSize(size: number, maxBytes: number | undefined, path: string): void {
  if (maxBytes !== undefined && size > maxBytes)
    throw new RegularFileRefusal(path, { kind: 'too-large', size, maxBytes })
}

function missingOrUnreadable(e: unknown): Refusal {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR'
    ? { kind: 'missing' }
    : { kind: 'unreadable', cause: e as Error }
}

// ── the engine's wording: EngineFailure ─────────────────────────────────────────────────────

export interface SafeReadOptions extends RegularReadOptions {
  maxBytes: number
  /** How the file is named in messages, e.g. `transformer/embed.onnx` (default: the path). */
  label?: string
}

/**
 * A refusal as the engine says it: `model_invalid` for a file that is not acceptable,
 * `model_not_found` for a missing one (callers reword it), `io` for a read that failed.
 */
function engineFailure(r: Refusal, label: string): EngineFailure {
  switch (r.kind) {
    case 'missing':
      return new EngineFailure('model_not_found', `${label}: not found`)
    case 'not-regular':
      return new EngineFailure('model_invalid', `${label}: is ${r.what}; only regular files are read`)
    case 'too-large':
      return new EngineFailure(
        'model_invalid',
        `${label}: ${r.size} bytes, over the limit of ${r.maxBytes} bytes (${formatBytes(r.maxBytes)}) for this file`
      )
    case 'changed':
      return new EngineFailure('model_invalid', `${label}: changed while it was being opened; refused`)
    case 'shrank':
      return new EngineFailure(
        'model_invalid',
        `${label}: shrank while it was read (${r.read} of ${r.size} bytes)`
      )
    case 'outside-root':
      return new EngineFailure('model_invalid', `${label}: not inside ${r.root}; refused`)
    case 'folder-link':
      return new EngineFailure(
        'model_invalid',
        `${label}: its folder ${r.folder} is a symbolic link; only real folders and regular files are read`
      )
    case 'folder-not-folder':
      return new EngineFailure('model_not_found', `${label}: not found (${r.folder} is not a folder)`)
    case 'unreadable':
      return new EngineFailure('io', `${label}: cannot read (${r.cause.message})`)
  }
}

async function inEngineWords<T>(run: () => Promise<T>, label: string): Promise<T> {
  try {
    return await run()
  } catch (e) {
    if (e instanceof RegularFileRefusal) throw engineFailure(e.refusal, label)
    throw e
  }
}

/**
 * statRegular with EngineFailures. Use it where a file is only measured (the size of a model on
 * Add model); read with readRegularFile, which checks again on the handle.
 */
export function assertRegularFile(path: string, options: SafeReadOptions): Promise<RegularFileInfo> {
  return inEngineWords(() => statRegular(path, options), options.label ?? path)
}

/** readRegular with EngineFailures. */
export function readRegularFile(path: string, options: SafeReadOptions): Promise<Uint8Array> {
  return inEngineWords(() => readRegular(path, options), options.label ?? path)
}

/** readRegularFile decoded as UTF-8. */
export async function readRegularText(path: string, options: SafeReadOptions): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(path, options))
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`
  return `${n} bytes`
}
