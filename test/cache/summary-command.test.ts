import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encode } from 'fast-png'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { summaryCommand } from '../../src/cli/commands/summary'
import { main } from '../../src/cli/index'
import { fixture } from '../engine/fixtures'
import { createStepCache } from '../../src/main/engine/cache'
import { TRACE_KEY, type StepTrace } from '../../src/shared/trace'
import { call, config, FakeRunner } from './fake-runner'

let dir: string
let trace: StepTrace[]

afterAll(() => rmSync(dir, { recursive: true, force: true }))

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'summary-'))
  const probe = [1, 1.02, 1.5, 1.52, 1.53]
  const cache = createStepCache(config({ Fn: 1, Bn: 1, maxWarmupSteps: 1, residualDiffThreshold: 0.05 }))
  const r = new FakeRunner(4, (b, t) => (b === 0 ? probe[t] : 1))
  for (let t = 0; t < probe.length; t++) await call(cache, r, t, { branch: 'cond' })
  trace = [...cache.traces()]
})

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await summaryCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l), status: null })
  return { code, out, err }
}

const png = (text: Record<string, string>): Uint8Array =>
  encode({ width: 1, height: 1, data: new Uint8Array(4), channels: 4, depth: 8, text })

describe('studio summary', () => {
  it('prints the table from the trace in a PNG text chunk', async () => {
    const file = join(dir, 'image.png')
    writeFileSync(file, png({ [TRACE_KEY]: JSON.stringify({ trace }) }))
    const { code, out } = await run(file)
    expect(code).toBe(0)
    expect(out[0]).toMatch(
      /^\| Transformer +\| Context +\| Branch +\| Cached +\| Computed +\| Diffs Min \| P25 +\|/
    )
    // Diffs recorded at steps 1–4: 0.02, 0.5, 0.0133, 0.02.
    expect(out[2]).toMatch(
      /^\| transformer +\| blocks +\| cond +\| 3 +\| 2 +\| 0\.013 +\| 0\.018 +\| 0\.020 +\|/
    )
    expect(out[3]).toBe('Blocks run: 14 of 20 (theoretical block speedup 1.43×)')
  })

  it('falls back to a sidecar OUTPUT.json and prints details on request', async () => {
    const file = join(dir, 'plain.png')
    writeFileSync(file, png({}))
    writeFileSync(`${file}.json`, JSON.stringify({ recipe: {}, trace }))
    const { code, out } = await run(file, '--details')
    expect(code).toBe(0)
    expect(out).toContain('  cached steps: [1, 3, 4]')
  })

  it('reads what studio generate wrote (end to end on a fixture model)', async () => {
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), status: null }
    const lines: string[] = []
    const out = join(dir, 'gen')
    const code = await main(
      [
        'generate',
        '--model',
        fixture('tiny-p0'),
        '--prompt',
        'a red circle',
        '--seed',
        '5',
        '--steps',
        '6'
      ].concat(['--cache', 'F1B0', '--warmup', '2', '--threshold', '5', '--out', out, '--provider', 'cpu']),
      io
    )
    expect(code, lines.join('\n')).toBe(0)
    const summary = await run(join(out, 'tiny-p0-5.png'), '--details')
    expect(summary.code).toBe(0)
    expect(summary.out[2]).toMatch(/^\| transformer +\| blocks +\| cond +\| 4 +\| 2 +\|/)
    expect(summary.out[3]).toMatch(/^\| transformer +\| blocks +\| uncond +\| 4 +\| 2 +\|/)
    expect(summary.out).toContain('  cached steps: [2, 3, 4, 5]')
  })

  it('EXPECTED FAILURE - a PNG without a trace says where it looked', async () => {
    const file = join(dir, 'bare.png')
    writeFileSync(file, png({}))
    const { code, err } = await run(file)
    expect(code).toBe(1)
    expect(err[0]).toBe(`studio summary: ${file}: no "${TRACE_KEY}" text chunk and no sidecar ${file}.json`)
  })

  it('EXPECTED FAILURE - a JSON file that is not a trace names the bad field', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ trace: [{ step: -1 }] }))
    const { code, err } = await run(file)
    expect(code).toBe(1)
    expect(err[0]).toMatch(
      new RegExp(`^studio summary: .*bad\\.json: not a saved trace \\(trace\\.0\\.step: `)
    )
  })

  it('BAD CALL - no OUTPUT prints the usage with exit code 2', async () => {
    const { code, err } = await run()
    expect(code).toBe(2)
    expect(err[0]).toMatch(/^Usage: studio summary OUTPUT/)
  })
})
