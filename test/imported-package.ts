import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect } from 'vitest'
import type { ImportedManifest } from '../src/shared/imported-manifest'
import { studio } from './cli-harness'

/**
 * What the imported-package tests of every family (test/<family>/imported.test.ts) do the same
 * way: import into a temporary models folder, read the cut transformer's block lists, and run
 * `studio replay --json` of a golden on the package.
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
