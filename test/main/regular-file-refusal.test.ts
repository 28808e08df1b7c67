import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readCalibratedPresets } from '../../src/main/engine/calibrated-store'
import { EngineFailure } from '../../src/main/engine/errors'
import { readRegular, readRegularFile, RegularFileRefusal } from '../../src/main/engine/model/safe-read'
import { NotOwnFile, readOwnFile } from '../../src/main/storage/confined-read'

/**
 * One reader of regular files (engine/model/safe-read.ts) under three wordings: the engine's
 * EngineFailure, the gallery's NotOwnFile and the calibrated presets file's. Each is pinned where
 * its users see it; this checks they come from the same refusal.
 */
const dir = mkdtempSync(join(tmpdir(), 'regular-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'real.json'), '{"format":"cache-studio-calibrated-presets/1","presets":[]}')
symlinkSync(join(dir, 'real.json'), join(dir, 'link.json'))
execFileSync('mkfifo', [join(dir, 'fifo.json')])

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e
  )
}

describe('the one regular-file reader', () => {
  it('reads a regular file whole', async () => {
    expect(new TextDecoder().decode(await readRegular(join(dir, 'real.json')))).toContain('presets')
  })

  it('EXPECTED FAILURE - a link, a FIFO, a missing file and one over the bound are typed refusals', async () => {
    const kinds = []
    for (const [name, maxBytes] of [
      ['link.json', undefined],
      ['fifo.json', undefined],
      ['gone.json', undefined],
      ['real.json', 10]
    ] as const) {
      const e = await refusal(readRegular(join(dir, name), { maxBytes }))
      expect(e).toBeInstanceOf(RegularFileRefusal)
      kinds.push((e as RegularFileRefusal).refusal)
    }
    expect(kinds).toEqual([
      { kind: 'not-regular', what: 'a symbolic link' },
      { kind: 'not-regular', what: 'a FIFO (named pipe)' },
      { kind: 'missing' },
      { kind: 'too-large', size: 59, maxBytes: 10 }
    ])
  })

  it('EXPECTED FAILURE - a FIFO is worded by each caller as its users read it, without hanging', async () => {
    const engine = await refusal(
      readRegularFile(join(dir, 'fifo.json'), { maxBytes: 100, label: 'fifo.json' })
    )
    expect(engine).toBeInstanceOf(EngineFailure)
    expect((engine as EngineFailure).message).toBe(
      'fifo.json: is a FIFO (named pipe); only regular files are read'
    )
    const gallery = await refusal(readOwnFile(dir, 'fifo.json'))
    expect(gallery).toBeInstanceOf(NotOwnFile)
    expect((gallery as Error).message).toBe('fifo.json is not a regular file')
    const presets = await refusal(readCalibratedPresets(join(dir, 'fifo.json')))
    expect((presets as EngineFailure).code).toBe('bad_request')
    expect((presets as Error).message).toBe(`${join(dir, 'fifo.json')}: not a regular file`)
  })

  it('a missing presets file is no presets; a missing gallery file is missing', async () => {
    expect(await readCalibratedPresets(join(dir, 'gone.json'))).toBeNull()
    expect(((await refusal(readOwnFile(dir, 'gone.json'))) as Error).message).toBe('gone.json is missing')
    expect(((await refusal(readOwnFile(dir, 'link.json'))) as Error).message).toBe(
      'link.json is a symbolic link'
    )
  })
})
