import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect } from 'vitest'
import type { Tensor } from '../src/main/engine/tensor'
import type { ImportedManifest } from '../src/shared/imported-manifest'
import { studio } from './cli-harness'

/**
 * What the family tests (test/<family>/*.test.ts) check the same way: imports into a temporary
 * models folder and the cut transformer's block lists, `studio replay --json` of a golden on a
 * folder or package, and a result's latents and pixels against a golden's.
 */

/** A temporary models folder for one test file's imports, removed after its tests. */
export function tempModelsDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The block lists of the package's `index`th transformer, as [name, blocks, pattern]. */
export function blockLists(m: ImportedManifest, index = 0): [string, number, string][] {
  return m.transformers[index].blockLists.map((l) => [l.name, l.blocks.length, l.pattern])
}

/**
 * `studio replay <golden> --model <model> --json --provider cpu` (with `extra` arguments, e.g.
 * --models-dir): asserts it exits 0 with nothing on stderr and gives its JSON.
 */
export async function replayJson<T>(golden: string, model: string, ...extra: string[]): Promise<T> {
  const r = await studio('replay', golden, '--model', model, ...extra, '--json', '--provider', 'cpu')
  expect(r.err).toEqual([])
  expect(r.code).toBe(0)
  return JSON.parse(r.out.join('\n')) as T
}

/** The largest |a[i] − b[i]| (b's length counts). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0
  for (let i = 0; i < b.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]))
  return d
}

/**
 * The worst 8-bit level between an RGBA8 result and a golden image [1, 3, H, W] in [0, 1]
 * (the golden's level: round(x · 255)).
 */
export function worstPixelLevel(pixels: ArrayLike<number>, image: Tensor): number {
  const [, , H, W] = image.dims
  const plane = H * W
  let worst = 0
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++)
      worst = Math.max(worst, Math.abs(pixels[i * 4 + c] - Math.round(image.data[c * plane + i] * 255)))
  return worst
}
