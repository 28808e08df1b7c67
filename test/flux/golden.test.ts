import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCacheDitConfig } from '../../src/main/engine/replay/cachedit-config'
import { readGolden } from '../../src/main/engine/replay/golden'
import { parseNpy } from '../../src/main/engine/replay/npy'

const FLUX = join(__dirname, '../fixtures/diffusers/flux-tiny')

function npyBytes(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  while ((10 + header.length + 1) % 64 !== 0) header += ' '
  header += '\n'
  const out = new Uint8Array(10 + header.length + body.length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8])
  out.set(new TextEncoder().encode(header), 10)
  out.set(body, 10 + header.length)
  return out
}

describe('.npy reader', () => {
  it('reads float16 (widened), int32 (as int64) and refuses what it does not know', () => {
    const half = parseNpy(npyBytes('<f2', [2], new Uint8Array([0x00, 0x3c, 0x00, 0xc0])), 'h.npy')
    expect(half.kind === 'float32' && Array.from(half.data)).toEqual([1, -2])
    const i32 = parseNpy(npyBytes('<i4', [2], new Uint8Array(new Int32Array([7, -1]).buffer)), 'i.npy')
    expect(i32.kind === 'int64' && Array.from(i32.data, Number)).toEqual([7, -1])
    expect(() => parseNpy(npyBytes('<c8', [1], new Uint8Array(8)), 'c.npy')).toThrow(
      /c.npy: element type '<c8'/
    )
    expect(() => parseNpy(npyBytes('<f4', [4], new Uint8Array(8)), 't.npy')).toThrow(
      /t.npy: holds 8 bytes of data, its shape needs 16/
    )
    expect(() => parseNpy(new Uint8Array(20), 'z.npy')).toThrow(/z.npy: not a .npy file/)
  })
})

describe("CacheDiT's DBCacheConfig repr → the engine's cache config", () => {
  const repr = (extra: string) =>
    `DBCacheConfig(cache_type=<CacheType.DBCache: 'DBCache'>, Fn_compute_blocks=1, Bn_compute_blocks=0, residual_diff_threshold=0.2936, max_accumulated_residual_diff_threshold=None, max_warmup_steps=1, warmup_interval=1, max_cached_steps=-1, max_continuous_cached_steps=-1, enable_separate_cfg=False, ${extra}cfg_diff_compute_separate=True, num_inference_steps=None, steps_computation_mask=None, steps_computation_policy='dynamic', force_refresh_step_hint=None, force_refresh_step_policy='once')`

  it('maps field for field (Fn=1, Bn=0, warmup 1, threshold T, lists merged as the Flux adapter)', () => {
    const c = parseCacheDitConfig(repr('cfg_compute_first=False, '), true)
    expect(c).toMatchObject({
      enabled: true,
      Fn: 1,
      Bn: 0,
      residualDiffThreshold: 0.2936,
      maxAccumulatedResidualDiffThreshold: null,
      maxWarmupSteps: 1,
      warmupInterval: 1,
      maxCachedSteps: -1,
      maxContinuousCachedSteps: -1,
      enableSeparateCfg: false,
      cfgDiffComputeSeparate: true,
      stepsComputationMask: null,
      forceRefreshStepHint: null,
      mergeBlockLists: true
    })
    expect(c.taylorSeer.enabled).toBe(false)
  })

  it('refuses what the engine does not implement instead of replaying another config', () => {
    expect(() => parseCacheDitConfig(repr('cfg_compute_first=True, '), true)).toThrow(
      /cfg_compute_first=true/
    )
    expect(() => parseCacheDitConfig('FBCacheConfig()', true)).toThrow(/not a DBCacheConfig/)
  })
})

describe('golden reader', () => {
  it('dbcache_10steps: uncached, cached_0, cached_1 with their thresholds and CacheDiT decisions (the probe has no latents)', async () => {
    const g = await readGolden(join(FLUX, 'golden/dbcache_10steps'))
    expect(g.runs.map((r) => r.name)).toEqual(['uncached', 'cached_0', 'cached_1'])
    expect(g.runs[0].cache).toBeNull()
    expect(g.runs[1].cache?.residualDiffThreshold).toBe(0.2936)
    expect(g.runs[2].cache?.residualDiffThreshold).toBe(0.2595)
    expect(g.runs[1].reference.contexts[0].cachedSteps).toEqual([1, 6, 8])
    expect(g.runs[2].reference.contexts[0].cachedSteps).toEqual([1, 6])
    expect(g.tokenIds).toBeNull()
    expect(g.maxSequenceLength).toBe(16)
    expect(g.stepTimesteps).toHaveLength(10)
  })

  it('pipeline_4steps: one run with the image, and the token ids of both tokenizers', async () => {
    const g = await readGolden(join(FLUX, 'golden/pipeline_4steps'))
    expect(g.runs.map((r) => r.name)).toEqual(['pipeline_4steps'])
    expect(g.runs[0].image?.dims).toEqual([1, 3, 32, 32])
    expect(g.tokenIds?.tokenizer.length).toBe(77)
    expect(g.tokenIds?.tokenizer_2.length).toBe(16)
  })
})
