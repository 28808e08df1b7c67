import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tuneThreadsCommand } from '../../src/cli/commands/tune-threads'
import { UsageError, type CliIO } from '../../src/cli/io'
import { readStoredLayout, threadLayoutsDir } from '../../src/main/engine/thread-layout-store'
import { fixture } from '../engine/fixtures'

/** `studio tune-threads` (docs/engine.md, "CFG parallelism"): measures, stores, the engine reads it. */

const userData = mkdtempSync(join(tmpdir(), 'tune-threads-'))
afterAll(() => rmSync(userData, { recursive: true, force: true }))

function collect(): CliIO & { lines: string[]; errs: string[] } {
  const lines: string[] = []
  const errs: string[] = []
  return { lines, errs, out: (l) => void lines.push(l), err: (l) => void errs.push(l), status: null }
}

describe('studio tune-threads', () => {
  it('times every candidate layout and stores the fastest where the engine reads it', async () => {
    const io = collect()
    const args = ['--model', fixture('tiny-image'), '--cores', '2', '--rounds', '1', '--steps', '2']
    expect(await tuneThreadsCommand([...args, '--user-data', userData], io)).toBe(0)
    // 1 lane × 1, 1 lane × 2, 2 lanes × 1, 1 × 1 CFG batched (tiny-image runs CFG as two calls).
    expect(io.lines.filter((l) => / ms\/step /.test(l))).toHaveLength(4)
    expect(io.errs).toHaveLength(1)
    const best = io.lines.find((l) => l.startsWith('best on 2 cores: '))
    expect(best).toBeDefined()
    const dir = threadLayoutsDir(userData)
    expect(io.lines.at(-1)).toMatch(new RegExp(`^saved ${dir}/`))
    const stored = await readStoredLayout(dir, { model: 'tiny-image', provider: 'cpu', cores: 2 })
    expect(stored).not.toBeNull()
    const label = `${stored?.cfgLanes} lane${stored?.cfgLanes === 2 ? 's' : ''} × ${stored?.intraOpThreads} thread`
    expect(best).toContain(label)
    // Another core count is another record: nothing is stored for it.
    expect(await readStoredLayout(dir, { model: 'tiny-image', provider: 'cpu', cores: 4 })).toBeNull()
  })

  it('prints only with --no-save', async () => {
    const io = collect()
    const other = mkdtempSync(join(tmpdir(), 'tune-threads-'))
    try {
      const args = ['--model', fixture('tiny-image'), '--cores', '1', '--rounds', '1', '--steps', '1']
      expect(await tuneThreadsCommand([...args, '--user-data', other, '--no-save'], io)).toBe(0)
      // 1 lane × 1, and 1 × 1 CFG batched.
      expect(io.lines.filter((l) => / ms\/step /.test(l))).toHaveLength(2)
      expect(io.lines.at(-1)).toBe('not saved (--no-save)')
      expect(readdirSync(other)).toEqual([])
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })

  it('EXPECTED FAILURE: refuses a core count of 0 before loading anything', async () => {
    await expect(tuneThreadsCommand(['--cores', '0'], collect())).rejects.toThrow(UsageError)
    await expect(tuneThreadsCommand(['--cores', '0'], collect())).rejects.toThrow(
      /--cores: must be between 1/
    )
  })
})
