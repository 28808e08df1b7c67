import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decode } from 'fast-png'
import { afterAll, describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'
import type { EvaluateReport } from '../../src/cli/commands/evaluate'
import { parseCaption } from '../../src/shared/prompt-grammar'
import { fixture } from './fixtures'

/**
 * `studio evaluate` on the random-weight fixtures: the scores mean nothing here, so these tests
 * check the mechanics (splits, counts, report shape, grid, errors), at 2 steps to stay fast.
 */

const tmp = mkdtempSync(join(tmpdir(), 'cs-evaluate-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function evaluateJson(...argv: string[]): Promise<{ report: EvaluateReport; err: string[] }> {
  const r = await studio('evaluate', ...argv, '--steps', '2', '--provider', 'cpu', '--json')
  expect(r.code, r.err.join('\n')).toBe(0)
  return { report: JSON.parse(r.out.join('\n')) as EvaluateReport, err: r.err }
}

/** A copy of a fixture whose manifest lists `heldOut` as its held-out captions. */
function withHeldOut(name: string, heldOut: string[]): string {
  const dir = join(tmp, `${name}-held-out`)
  cpSync(fixture(name), dir, { recursive: true })
  const path = join(dir, 'model.json')
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  writeFileSync(path, JSON.stringify({ ...manifest, evaluation: { heldOutPrompts: heldOut } }))
  return dir
}

describe('studio evaluate', () => {
  it('without a held-out list scores one split "all" of n image captions, and writes a grid of them', async () => {
    const grid = join(tmp, 'image-grid.png')
    const { report, err } = await evaluateJson(
      fixture('tiny-image'),
      '--n',
      '3',
      '--seed',
      '5',
      '--grid',
      grid
    )
    expect(report).toMatchObject({ model: 'tiny-image', kind: 'image', steps: 2, cache: 'none', seed: 5 })
    expect(report.acceptanceSetting).toBe(false) // 2 steps, not the fixture's 4
    expect(report.splits.map((s) => [s.name, s.n, s.available])).toEqual([['all', 3, 8 * 3 * 9 * 7]])
    const [all] = report.splits
    expect(Object.keys(all.accuracy).sort()).toEqual(['background', 'color', 'position', 'shape'])
    expect(all.threshold).toBe(0.85)
    for (const o of all.outputs) {
      expect(parseCaption(o.prompt)?.kind).toBe('image')
      expect(o.overall).toBeGreaterThanOrEqual(0)
      expect(o.overall).toBeLessThanOrEqual(1)
    }
    const mean = all.outputs.reduce((s, o) => s + o.overall, 0) / all.outputs.length
    expect(all.overall).toBeCloseTo(mean, 10)
    expect(report.verdict).toMatch(
      /^(PASS|FAIL): all \d\.\d{3} (>=|<) 0\.85 \(not the acceptance setting: 2 steps/
    )
    expect(err.filter((l) => l.startsWith('['))).toHaveLength(3) // one progress line per output
    // 3 images in a row, 2× upscaled 32 px tiles with a 3 px score bar, 2 px gaps.
    const png = decode(readFileSync(grid))
    expect([png.width, png.height]).toEqual([2 + 3 * (64 + 2), 2 + (64 + 3 + 2)])
  })

  it('is deterministic: the same seed picks the same captions, seeds and scores', async () => {
    const a = await evaluateJson(fixture('tiny-image'), '--n', '2', '--seed', '9')
    const b = await evaluateJson(fixture('tiny-image'), '--n', '2', '--seed', '9')
    expect(b.report.splits).toEqual(a.report.splits)
  })

  it('puts the manifest heldOutPrompts in the held-out split and the rest in train', async () => {
    const heldOut = [
      'a red circle moving up on a blue background',
      'a green square moving left on a red background',
      'a white triangle moving down on a black background'
    ]
    const { report } = await evaluateJson(withHeldOut('tiny-video', heldOut), '--n', '2')
    expect(report.kind).toBe('video')
    const [train, held] = report.splits
    expect([train.name, train.n, train.available]).toEqual(['train', 2, 8 * 3 * 4 * 7 - 3])
    expect([held.name, held.n, held.available]).toEqual(['held-out', 2, 3])
    for (const o of held.outputs) expect(heldOut).toContain(o.prompt)
    for (const o of train.outputs) expect(heldOut).not.toContain(o.prompt)
    expect(Object.keys(train.accuracy).sort()).toEqual(['background', 'color', 'motion', 'shape'])
    expect([train.threshold, held.threshold]).toEqual([0.7, 0.7])
  })

  it('draws a video grid one video per row, its frames side by side, splits one after the other', async () => {
    const dir = withHeldOut('tiny-video', ['a red circle moving up on a blue background', 'a red circle'])
    const grid = join(tmp, 'video-grid.png')
    const r = await studio('evaluate', dir, '--n', '2', '--steps', '2', '--provider', 'cpu', '--grid', grid)
    expect(r.code, r.err.join('\n')).toBe(0)
    // A held-out entry outside the grammar is named, not silently dropped.
    expect(r.err[0]).toMatch(/1 held-out prompt\(s\) .* ignored \(first: "a red circle"\)/)
    expect(r.out[1].split(/\s+/)).toEqual(['split', 'n', 'overall', 'background', 'color', 'shape', 'motion'])
    expect(r.out[2]).toMatch(/^train +2\/671 /)
    expect(r.out[3]).toMatch(/^held-out +1\/1 /)
    expect(r.out).toContainEqual(
      expect.stringMatching(/^verdict: (PASS|FAIL): train \d\.\d{3} (>=|<) 0\.7, held-out/)
    )
    // 16×16×4 frames at 2×: 128 × 32 tiles; 2 + 1 rows with a wider gap (8 px) between the splits.
    const png = decode(readFileSync(grid))
    expect([png.width, png.height]).toEqual([2 + 128 + 2, 2 + 3 * (32 + 3 + 2) + 8])
  })

  it('EXPECTED FAILURE - bad flags exit 2 with one line naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--n', '0'], /^studio evaluate: --n: must be between 1 and/],
      [['--n', 'many'], /^studio evaluate: --n: expected an integer, got "many"/],
      [['--cache', 'F9'], /^studio evaluate: --cache: unknown preset "F9"/],
      [['--frobnicate'], /^studio evaluate: Unknown option '--frobnicate'/]
    ]
    for (const [argv, message] of cases) {
      const r = await studio('evaluate', fixture('tiny-image'), ...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toHaveLength(1)
      expect(r.err[0]).toMatch(message)
    }
  })
})
