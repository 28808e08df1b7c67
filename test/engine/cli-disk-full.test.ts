import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { studio } from '../cli-harness'
import { disk } from '../main/full-disk'
import { FIXTURES } from './fixtures'

vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../main/full-disk')).fullDiskFsPromises(await importOriginal())
)

const tmp = mkdtempSync(join(tmpdir(), 'cs-cli-full-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('studio generate on a full disk', () => {
  it('EXPECTED FAILURE - exits 1 with one line naming the file, and keeps the file saved before', async () => {
    const out = join(tmp, 'out.png')
    const args = [
      'generate',
      '--models-dir',
      FIXTURES,
      '--model',
      'tiny-image',
      '--steps',
      '2',
      '--prompt',
      'a red circle',
      '--out',
      out
    ]
    const first = await studio(...args, '--seed', '1')
    expect(first.code, first.err.join('\n')).toBe(0)
    const saved = readFileSync(out)

    disk.full = true
    const r = await studio(...args, '--seed', '2')
    disk.full = false
    expect(r.code).toBe(1)
    expect(r.err.filter((l) => !l.startsWith('step '))).toEqual([
      `studio generate: the disk is full: could not write ${out}; nothing saved before was changed, free some space and try again`
    ])
    expect(readFileSync(out)).toEqual(saved)
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})
