import { describe, expect, it } from 'vitest'
import { DBCache } from '../../src/main/engine/cache/dbcache'
import type { Streams } from '../../src/main/engine/cache/seam'
import { BlockProgram } from '../../src/main/engine/model/block-program'
import type { LoadedModel } from '../../src/main/engine/model/loaded-model'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import { resolveCacheConfig } from '../../src/shared/presets'
import { call, config, FakeRunner } from '../cache/fake-runner'
import { embedFeeds, loadFixture } from './fixtures'

/**
 * The per-call overhead cuts (docs/engine.md, "Per-call overhead"): a cache-off call runs through
 * `runAll`, which fetches fewer outputs of the fused first segment, and a cached call adds the
 * stored residual into the Fn output in place. Both must leave every number as it was.
 */

const none = () => {}

function blockSources(model: LoadedModel) {
  return model.manifest.transformers[0].blockLists
    .flatMap((l) => l.blocks)
    .map((file) => ({ file, bytes: model.pkg.files.get(file)!, model: model.pkg.graph(file) }))
}

/** Every block list as one context, the embed and final graphs fused, as the pipeline compiles it. */
function fusedProgram(model: LoadedModel, maxSegmentBlocks?: number): BlockProgram {
  const t = model.manifest.transformers[0]
  return new BlockProgram(
    t.name,
    'all',
    t.blockLists[0].pattern,
    blockSources(model),
    'cpu',
    { intraOpThreads: 1 },
    'segments',
    { embed: model.pkg.graph(t.embed.file), final: model.pkg.graph(t.final.file), maxSegmentBlocks }
  )
}

function expectSameStreams(a: Streams, b: Streams): void {
  expect(a.hidden.dims).toEqual(b.hidden.dims)
  expect(a.hidden.data).toEqual(b.hidden.data)
  expect(a.encoder?.dims ?? null).toEqual(b.encoder?.dims ?? null)
  expect(a.encoder?.data ?? null).toEqual(b.encoder?.data ?? null)
}

describe('runAll: a whole call without the streams that entered block 0', () => {
  // Pattern_1 (both streams returned), Pattern_2 cut in pieces (encoder passed through),
  // Pattern_3 (no encoder), Pattern_4 (encoder made by the blocks).
  for (const [name, cut] of [
    ['tiny-image', undefined],
    ['tiny-video', 2],
    ['tiny-p3', undefined],
    ['tiny-p4', undefined]
  ] as const) {
    it(`${name}${cut ? ' (cut segments)' : ''}: the same output streams, context and fused velocity, bit for bit, as enter(all)`, async () => {
      const model = await loadFixture(name)
      const feeds = await embedFeeds(model, 3, 0.6)
      const program = fusedProgram(model, cut)
      const n = program.blockCount
      const entered = program.runner({ kind: 'embed', feeds }, none)
      const full = await entered.enter(n)
      const whole = program.runner({ kind: 'embed', feeds }, none)
      const out = await whole.runAll!()
      expectSameStreams(out, full.output)
      expect(Object.keys(whole.context()).sort()).toEqual(Object.keys(entered.context()).sort())
      for (const [k, v] of Object.entries(entered.context()))
        expect((whole.context()[k] as Tensor).data).toEqual((v as Tensor).data)
      const velocity = whole.velocityFor(out.hidden)
      expect(velocity).not.toBeNull()
      expect(velocity!.data).toEqual(entered.velocityFor(full.output.hidden)!.data)
      await program.release()
    })
  }

  it('a runner entering with streams (a later context) runs every block on them', async () => {
    const model = await loadFixture('tiny-image')
    const feeds = await embedFeeds(model, 3, 0.6)
    const program = fusedProgram(model)
    const first = program.runner({ kind: 'embed', feeds }, none)
    const { input } = await first.enter(1)
    const plain = new BlockProgram(
      'transformer',
      'streams',
      'Pattern_1',
      blockSources(model),
      'cpu',
      { intraOpThreads: 1 },
      'segments'
    )
    const entry = { kind: 'streams' as const, streams: input, context: first.context() }
    const viaAll = await plain.runner(entry, none).runAll!()
    expectSameStreams(viaAll, (await plain.runner(entry, none).enter(plain.blockCount)).output)
    await Promise.all([program.release(), plain.release()])
  })

  it('EXPECTED FAILURE: runAll with embed feeds that lack the latent is refused by name', async () => {
    const model = await loadFixture('tiny-image')
    const { latent, ...rest } = await embedFeeds(model, 3, 0.6)
    expect(latent).toBeDefined()
    const program = fusedProgram(model)
    await expect(program.runner({ kind: 'embed', feeds: rest }, none).runAll!()).rejects.toThrow(
      /embed feeds lack "latent"/
    )
    await program.release()
  })
})

class CountingRunner extends FakeRunner {
  wholeCalls = 0
  async runAll(): Promise<Streams> {
    this.wholeCalls++
    return this.run(0, this.blockCount, this.input)
  }
}

describe('DBCache and the runner', () => {
  it('a disabled cache runs the whole call through runAll when the runner has it, else enter', async () => {
    const counting = new CountingRunner(4, (b) => b + 1)
    const out = await call(new DBCache(resolveCacheConfig('none')), counting, 0)
    expect(counting.wholeCalls).toBe(1)
    const plain = new FakeRunner(4, (b) => b + 1)
    expectSameStreams(out, await call(new DBCache(resolveCacheConfig('none')), plain, 0))
    expect(plain.ranges).toEqual([[0, 4]])
  })

  it('a cached call adds in place but leaves the stream the Fn blocks passed through (Pattern_2 encoder) untouched', async () => {
    const cache = new DBCache(config({ Fn: 1, Bn: 0, residualDiffThreshold: 1, maxWarmupSteps: 1 }))
    const runner = new FakeRunner(3, (b, t) => b + 1 + t * 1e-3, 'Pattern_2')
    await call(cache, runner, 0)
    const input: Streams = {
      hidden: tensor(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), [1, 2, 4]),
      encoder: tensor(Float32Array.of(9, 8, 7, 6, 5, 4, 3, 2, 1, -0, -1, -2), [1, 3, 4])
    }
    const hiddenBefore = input.hidden.data.slice()
    const encoderBefore = input.encoder!.data.slice()
    const out = await call(cache, runner, 1, { input })
    expect(cache.traces()[1].cached).toBe(true)
    expect(input.hidden.data).toEqual(hiddenBefore)
    expect(input.encoder!.data).toEqual(encoderBefore)
    // (The -0 would turn +0 with the residual, 0 here, added in place.)
    // The Fn output (block 0 at step 1 adds 1.001) plus the middle residual stored at step 0
    // (blocks 1 and 2 added 2 and 3).
    out.hidden.data.forEach((v, i) => expect(v).toBeCloseTo(hiddenBefore[i] + 6.001, 4))
    expect(Array.from(out.encoder!.data, (v) => v + 0)).toEqual(Array.from(encoderBefore, (v) => v + 0))
  })
})
