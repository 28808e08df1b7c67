import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bearerMatches, readTokenFile } from '../../src/serve/token'
import { studio } from '../cli-harness'

/** The token file is read as the engine reads untrusted files, and must be private. */

// Every folder made here is removed after the file's tests, so runs leave nothing in the temp folder.
const made: string[] = []
const dir = (): string => {
  const path = mkdtempSync(join(tmpdir(), 'studio-token-'))
  made.push(path)
  return path
}
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true })
})

function file(text: string, mode: number): string {
  const path = join(dir(), 'token')
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}

describe.skipIf(process.platform === 'win32')('serve token file', () => {
  it('reads a private regular file, trimmed', async () => {
    expect(await readTokenFile(file('  abcdefghijklmnopqrstuvwxyz\n', 0o600))).toBe(
      'abcdefghijklmnopqrstuvwxyz'
    )
  })

  it('refuses a file other users can read, a FIFO, a symlink, a short token', async () => {
    await expect(readTokenFile(file('abcdefghijklmnopqrstuvwxyz', 0o644))).rejects.toThrow(
      /other users can read.*chmod 600/
    )
    const fifo = join(dir(), 'fifo')
    execFileSync('mkfifo', [fifo])
    await expect(readTokenFile(fifo)).rejects.toThrow(/FIFO/)
    const link = join(dir(), 'link')
    symlinkSync(file('abcdefghijklmnopqrstuvwxyz', 0o600), link)
    await expect(readTokenFile(link)).rejects.toThrow(/symbolic link/)
    await expect(readTokenFile(file('short', 0o600))).rejects.toThrow(/at least 16/)
  })

  it('studio serve stops with exit 2 and the reason before starting anything', async () => {
    const r = await studio('serve', '--token-file', file('abcdefghijklmnopqrstuvwxyz', 0o604))
    expect(r.code).toBe(2)
    expect(r.err.join('\n')).toMatch(/other users can read/)
    const open = await studio('serve', '--host', '0.0.0.0')
    expect(open.code).toBe(2)
    expect(open.err.join('\n')).toMatch(/give --token-file/)
  })

  it('matches only "Bearer <token>"', () => {
    expect(bearerMatches('Bearer abcdefghijklmnop', 'abcdefghijklmnop')).toBe(true)
    expect(bearerMatches('bearer abcdefghijklmnop', 'abcdefghijklmnop')).toBe(true)
    expect(bearerMatches('Bearer abcdefghijklmno', 'abcdefghijklmnop')).toBe(false)
    expect(bearerMatches('abcdefghijklmnop', 'abcdefghijklmnop')).toBe(false)
    expect(bearerMatches(undefined, 'abcdefghijklmnop')).toBe(false)
  })
})
