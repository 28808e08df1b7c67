import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { scheduleMaxAbsDiff } from '../../src/main/engine/replay/diff'
import { goldenReader, goldenRuns, readGoldenManifest } from '../../src/main/engine/replay/golden-files'
import { engineContexts } from '../../src/main/engine/replay/replay'

/** What every family's golden reader shares (golden-files.ts), on the Wan dbcache_10steps golden. */

const DBCACHE = join(__dirname, '../fixtures/diffusers/wan2.1-tiny/golden/dbcache_10steps')
const Result = z.object({ stats: z.array(z.unknown()).min(1), cache_config: z.string() })
const runsOptions = {
  latents: 'final_latents',
  image: { key: 'video_np' },
  schema: Result,
  lacks: 'stats and a cache_config',
  merge: false,
  contexts: () => []
}

function manifestWithout(drop: (key: string) => boolean) {
  const all = JSON.parse(readFileSync(join(DBCACHE, 'manifest.json'), 'utf8')) as Record<string, unknown>
  for (const k of Object.keys(all)) if (drop(k)) delete all[k]
  return { manifestPath: join(DBCACHE, 'manifest.json'), all }
}

describe("a golden's tensors, read by key", () => {
  it('reads float32 entries as tensors of their shape and int64 entries as ids', async () => {
    const { float, int } = goldenReader(DBCACHE, await readGoldenManifest(DBCACHE))
    const latents = await float('uncached.final_latents')
    expect(latents.dims.length).toBe(5)
    expect(latents.data.length).toBe(latents.dims.reduce((a, b) => a * b, 1))
    expect(await int('uncached.call0.timestep')).toBeInstanceOf(BigInt64Array)
  })

  it('EXPECTED FAILURE - an int64 entry read as floats is refused, naming its file', async () => {
    const { float } = goldenReader(DBCACHE, await readGoldenManifest(DBCACHE))
    await expect(float('uncached.call0.timestep')).rejects.toThrow(/\.npy: int64, expected floats/)
  })

  it('EXPECTED FAILURE - a float32 entry read as ids is refused, naming its file', async () => {
    const { int } = goldenReader(DBCACHE, await readGoldenManifest(DBCACHE))
    await expect(int('uncached.final_latents')).rejects.toThrow(/\.npy: expected int64/)
  })

  it('EXPECTED FAILURE - a key the manifest lacks, or _about, is no entry', async () => {
    const { read } = goldenReader(DBCACHE, await readGoldenManifest(DBCACHE))
    await expect(read('no_such_key')).rejects.toThrow(/manifest\.json: no "no_such_key" entry/)
    await expect(read('_about')).rejects.toThrow(/manifest\.json: no "_about" entry/)
  })
})

describe("a golden's runs", () => {
  it('the uncached twin and the CacheDiT runs with latents, each with its cache config', async () => {
    const m = await readGoldenManifest(DBCACHE)
    const runs = await goldenRuns(
      DBCACHE,
      m,
      (m.all._about as { results: Record<string, unknown> }).results,
      {
        ...runsOptions,
        contexts: (r) => [
          { transformer: 'transformer', branch: 'cond', cachedSteps: [r.stats.length], residualDiffs: {} }
        ]
      }
    )
    expect(runs.map((r) => r.name)).toEqual(['uncached', 'cached_0', 'cached_1'])
    expect(runs[0].cache).toBeNull()
    expect(runs[0].reference.contexts).toEqual([])
    for (const r of runs.slice(1)) {
      expect(r.cache).not.toBeNull()
      expect(r.reference.contexts).toHaveLength(1)
      expect(r.image).toBeNull()
    }
  })

  it('EXPECTED FAILURE - a golden without final latents has no run to compare', async () => {
    const m = manifestWithout((k) => k.endsWith('final_latents'))
    await expect(
      goldenRuns(DBCACHE, m, (m.all._about as { results: Record<string, unknown> }).results, runsOptions)
    ).rejects.toThrow(/manifest\.json: no run with final latents to compare/)
  })
})

describe("the replay's schedule and cache contexts", () => {
  it("the sigmas' max |Δ| where the timesteps are the golden's", () => {
    const d = scheduleMaxAbsDiff(
      'g',
      { sigmas: [1, 0.5, 0], timesteps: [999, 500] },
      { sigmas: [1, 0.25, 0], timesteps: [999, 500] }
    )
    expect(d).toBe(0.25)
  })

  it("EXPECTED FAILURE - timesteps other than the golden's are refused, both listed", () => {
    expect(() =>
      scheduleMaxAbsDiff('g', { sigmas: [1], timesteps: [999, 500] }, { sigmas: [1], timesteps: [999, 499] })
    ).toThrow("g: the engine's timesteps [999, 500] are not the golden's [999, 499]")
  })

  it("counts each context's steps from its transformer's first step", () => {
    const context = (transformer: string, cachedSteps: number[], residualDiffs: Record<string, number>) => ({
      transformer,
      context: transformer,
      branch: 'cond' as const,
      cachedSteps,
      cachedCount: cachedSteps.length,
      computedCount: 0,
      residualDiffs,
      quantiles: null
    })
    const summary = {
      contexts: [
        context('transformer', [2, 3], { '1': 0.5 }),
        context('transformer_2', [6, 7], { '5': 0.1 })
      ],
      blocksRun: 0,
      blocksTotal: 0,
      theoreticalBlockSpeedup: 1
    }
    expect(engineContexts(summary)).toEqual([
      { transformer: 'transformer', branch: 'cond', cachedSteps: [2, 3], residualDiffs: { '1': 0.5 } },
      { transformer: 'transformer_2', branch: 'cond', cachedSteps: [6, 7], residualDiffs: { '5': 0.1 } }
    ])
    expect(engineContexts(summary, (t) => (t === 'transformer_2' ? 4 : 0))[1]).toEqual({
      transformer: 'transformer_2',
      branch: 'cond',
      cachedSteps: [2, 3],
      residualDiffs: { '1': 0.1 }
    })
  })
})
