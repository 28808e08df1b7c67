import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { lstat } from 'node:fs/promises'
import { readRegularText } from '../main/engine/model/safe-read'

/**
 * The bearer token `studio serve` checks. It is read from a file (never from argv, which every
 * user of the machine can see in the process list) through the engine's safe reader: a regular
 * file only, no symlink, at most 4 KiB, so a FIFO or /dev/zero given by mistake cannot hang or
 * flood the server. A file other users can read is refused as ssh refuses such a key: the token
 * is as good as published.
 */

export class TokenFileError extends Error {}

const MAX_TOKEN_FILE_BYTES = 4096
const MIN_TOKEN_CHARS = 16
const TOKEN_PATTERN = /^[\x21-\x7e]+$/

export async function readTokenFile(path: string): Promise<string> {
  let text: string
  try {
    text = await readRegularText(path, { maxBytes: MAX_TOKEN_FILE_BYTES, label: `token file ${path}` })
  } catch (e) {
    throw new TokenFileError((e as Error).message)
  }
  // Modes mean nothing on Windows; there the file's ACL is the user's business.
  if (process.platform !== 'win32') {
    const mode = (await lstat(path)).mode & 0o777
    if (mode & 0o006) {
      throw new TokenFileError(
        `token file ${path}: other users can read or write it (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it`
      )
    }
  }
  const token = text.trim()
  if (token.length < MIN_TOKEN_CHARS) {
    throw new TokenFileError(`token file ${path}: the token must be at least ${MIN_TOKEN_CHARS} characters`)
  }
  if (!TOKEN_PATTERN.test(token)) {
    throw new TokenFileError(`token file ${path}: the token must be printable ASCII without spaces`)
  }
  return token
}

/** A fresh token, for a server started without --token-file (printed once at start). */
export function randomToken(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * Whether an Authorization header carries the token. Both sides are hashed first so the
 * comparison takes the same time whatever the length or the first differing byte.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) return false
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(match[1]), digest(token))
}
