import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  goldenComparedRuns,
  goldenEntries,
  readGoldenManifest
} from '../../src/main/engine/replay/golden-files'

const DBCACHE = join(__dirname, '../fixtures/diffusers/wan2.1-tiny/golden/dbcache_10steps')
const Result = z.object({ stats: z.array(z.unknown()).min(1), cache_config: z.string() })
const options = { latents: 'final_latents', schema: Result, lacks: 'stats and a cache_config', merge: false }

/** The dbcache golden's manifest with its _about.results edited by `edit`. */
function manifestWith(edit: (results: Record<string, Record<string, unknown>>) => void) {
  const all = JSON.parse(readFileSync(join(DBCACHE, 'manifest.json'), 'utf8')) as Record<string, unknown>
  const about = all._about as { results: Record<string, Record<string, unknown>> }
  edit(about.results)
  return { manifestPath: join(DBCACHE, 'manifest.json'), all }
}

describe("a golden's compared runs (Wan dbcache_10steps)", () => {
  it('the runs with saved latents, in the manifest order, the probe run passed over', async () => {
    const m = await readGoldenManifest(DBCACHE)
    const entries = goldenEntries(m)
    const about = m.all._about as { results: Record<string, unknown> }
    const runs = goldenComparedRuns(m, entries, about.results, options)
    const expected = Object.keys(about.results).filter((r) => `${r}.final_latents` in entries)
    expect(runs.map((r) => r.name)).toEqual(
      'uncached.final_latents' in entries ? ['uncached', ...expected] : expected
    )
    expect(runs.map((r) => r.name)).not.toContain('probe_threshold_1e-6')
    expect(expected.length).toBeGreaterThan(0)
    for (const r of runs.filter((x) => x.name !== 'uncached')) {
      expect(r.cache).not.toBeNull()
      expect(r.result).not.toBeNull()
    }
  })

  it('EXPECTED FAILURE - a result without its stats is refused with the run named', () => {
    const m = manifestWith((results) => {
      delete results.cached_0.stats
    })
    expect(() =>
      goldenComparedRuns(
        m,
        goldenEntries(m),
        (m.all._about as { results: Record<string, unknown> }).results,
        options
      )
    ).toThrow(/_about\.results\.cached_0 has no stats and a cache_config/)
  })

  it('EXPECTED FAILURE - a cache_config CacheDiT does not write is refused with the run named', () => {
    const m = manifestWith((results) => {
      results.cached_1.cache_config = 'not a cache config'
    })
    expect(() =>
      goldenComparedRuns(
        m,
        goldenEntries(m),
        (m.all._about as { results: Record<string, unknown> }).results,
        options
      )
    ).toThrow(/_about\.results\.cached_1: /)
  })

  it('EXPECTED FAILURE - an entry without file, dtype and shape is refused by name', () => {
    const m = manifestWith(() => undefined)
    m.all['cached_0.final_latents'] = { file: 'x.npy' }
    expect(() => goldenEntries(m)).toThrow(/entry "cached_0.final_latents" has no file, dtype and shape/)
  })
})
