import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { importFolder } from '../../src/main/engine/import/importer'
import { writeBigTransformer } from './big-transformer'
import { FLUX_TINY } from './helpers'

/**
 * Issue #15: importing an external-data transformer writes no copy of its weights, and the
 * engine's memory after loading (and running) it stays below twice the weights. flux-tiny's
 * weights are too small to tell, so its transformer is swapped for a FLUX-shaped one with 256 MiB
 * of weights in model.onnx_data (big-transformer.ts). RSS is measured in a child process, so this
 * test's own heap does not count.
 */

const CHILD = fileURLToPath(new URL('./rss-child.ts', import.meta.url))

function packageBytes(dir: string): { total: number; largest: number } {
  let total = 0
  let largest = 0
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const size = statSync(join(e.parentPath, e.name)).size
    total += size
    largest = Math.max(largest, size)
  }
  return { total, largest }
}

describe('an imported transformer with 256 MiB of external weights', () => {
  it('is imported without a copy of its weights and, loaded and run, keeps RSS below twice the weights', async () => {
    const root = mkdtempSync(join(tmpdir(), 'import-rss-'))
    try {
      const dir = join(root, 'flux-big')
      cpSync(join(FLUX_TINY, 'onnx'), dir, { recursive: true })
      for (const f of readdirSync(join(dir, 'transformer')))
        if (f !== 'config.json') rmSync(join(dir, 'transformer', f))
      const weights = writeBigTransformer(join(dir, 'transformer'), 32, 1024)
      expect(weights).toBeGreaterThan(256 * 2 ** 20)

      const r = await importFolder(dir, { modelsDir: join(root, 'models') })
      expect(r.manifest.transformers[0].blockLists.map((l) => [l.pattern, l.blocks.length])).toEqual([
        ['Pattern_1', 32]
      ])
      const pkg = packageBytes(r.dir)
      // The cut graphs point into model.onnx_data: the package is graphs and model.json only.
      expect(pkg.total).toBeLessThan(weights / 100)
      expect(pkg.largest).toBeLessThan(D_BYTES)

      const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, r.dir], {
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, MALLOC_ARENA_MAX: '2' }
      })
      expect(child.status, child.stderr).toBe(0)
      const rss = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as {
        before: number
        loaded: number
        generated: number
      }
      console.log(
        `weights ${(weights / 2 ** 20).toFixed(0)} MiB, package ${(pkg.total / 2 ** 10).toFixed(0)} KiB; RSS before ${(rss.before / 2 ** 20).toFixed(0)} MiB, loaded ${(rss.loaded / 2 ** 20).toFixed(0)} MiB, after generating ${(rss.generated / 2 ** 20).toFixed(0)} MiB`
      )
      expect(rss.loaded).toBeLessThan(2 * weights)
      expect(rss.generated).toBeLessThan(2 * weights)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }, 300_000)
})

/** One D×D float32 weight: no package file may be that large. */
const D_BYTES = 1024 * 1024 * 4
