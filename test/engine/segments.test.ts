import { describe, expect, it } from 'vitest'
import { BlockProgram, type BlockMode } from '../../src/main/engine/model/block-program'
import type { LoadedModel } from '../../src/main/engine/model/loaded-model'
import { compileSegment, compileWholeTransformer } from '../../src/main/engine/model/segments'
import { toNumber, tryDecodeModel } from '../../src/main/engine/model/onnx-graph'
import { Session } from '../../src/main/engine/model/session'
import { callTransformer } from '../../src/main/engine/pipeline/transformer-call'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import type { StepCache, Streams } from '../../src/main/engine/cache/seam'
import { createStepCache } from '../../src/main/engine/cache/index'
import { resolveCacheConfig } from '../../src/shared/presets'
import { ALL_FIXTURES, embedFeeds, loadFixture, maxAbsDiff } from './fixtures'

const none = () => {}

/** Embed outputs of one transformer call on seeded inputs: the streams and context tensors. */
async function embedOnce(
  model: LoadedModel
): Promise<{ streams: Streams; context: Record<string, Tensor>; inputs: Record<string, Tensor> }> {
  const inputs = await embedFeeds(model, 3, 0.7)
  const out = await model.transformers[0].embed.run(inputs)
  const { hidden_states, encoder_hidden_states, ...context } = out
  return { streams: { hidden: hidden_states, encoder: encoder_hidden_states ?? null }, context, inputs }
}

function programOf(model: LoadedModel, mode: BlockMode, maxSegmentBlocks?: number): BlockProgram {
  const t = model.manifest.transformers[0]
  const blocks = t.blockLists.flatMap((l) => l.blocks)
  return new BlockProgram(
    t.name,
    t.blockLists.map((l) => l.name).join('+'),
    t.blockLists[0].pattern,
    blocks.map((file) => ({ file, bytes: model.pkg.files.get(file)!, model: model.pkg.graph(file) })),
    'cpu',
    { intraOpThreads: 1 },
    mode,
    { maxSegmentBlocks }
  )
}

function expectClose(a: Streams, b: Streams, tol: number): number {
  const dh = maxAbsDiff(a.hidden.data, b.hidden.data)
  expect(dh).toBeLessThan(tol)
  expect(a.encoder === null).toBe(b.encoder === null)
  const de = a.encoder && b.encoder ? maxAbsDiff(a.encoder.data, b.encoder.data) : 0
  expect(de).toBeLessThan(tol)
  return Math.max(dh, de)
}

describe('segment compiler', () => {
  for (const name of ALL_FIXTURES) {
    it(`${name}: segments give the numbers of the blocks run one by one`, async () => {
      const model = await loadFixture(name)
      const { streams, context } = await embedOnce(model)
      const blocks = programOf(model, 'blocks')
      const segments = programOf(model, 'segments')
      const n = blocks.blockCount
      const reference = await blocks.run(0, n, streams, context, none)
      // The whole range as one graph, and the cache's split [0,1) [1,n−1) [n−1,n) chained.
      const whole = await segments.run(0, n, streams, context, none)
      const a = await segments.run(0, 1, streams, context, none)
      const b = await segments.run(1, n - 1, a, context, none)
      const split = await segments.run(n - 1, n, b, context, none)
      const d = Math.max(expectClose(whole, reference, 1e-5), expectClose(split, reference, 1e-5))
      console.log(`${name}: max |segments - blocks| = ${d.toExponential(2)}`)
      expect(await segments.run(2, 2, streams, context, none)).toBe(streams)
      await Promise.all([blocks.release(), segments.release()])
    })
  }

  // Chained cut segments: encoder chained (Pattern_1), shared (Pattern_2), returned only (Pattern_4).
  for (const name of ['tiny-image', 'tiny-video', 'tiny-p4']) {
    it(`${name}: a range longer than maxSegmentBlocks runs as several segments, same numbers`, async () => {
      const model = await loadFixture(name)
      const { streams, context } = await embedOnce(model)
      const blocks = programOf(model, 'blocks')
      const cut = programOf(model, 'segments', 3)
      const n = blocks.blockCount
      expectClose(
        await cut.run(0, n, streams, context, none),
        await blocks.run(0, n, streams, context, none),
        1e-5
      )
      await Promise.all([blocks.release(), cut.release()])
    })
  }

  // The embed graph fused into the first segment: plain (Pattern_1), cut (Pattern_2), no encoder in (Pattern_4).
  for (const [name, cut] of [
    ['tiny-image', undefined],
    ['tiny-video', 3],
    ['tiny-p4', 2]
  ] as const) {
    it(`${name}: entering with the embed feeds gives the embed graph's streams and context, then the blocks' output${cut ? ' (cut segments)' : ''}`, async () => {
      const model = await loadFixture(name)
      const { streams, context, inputs } = await embedOnce(model)
      const blocks = programOf(model, 'blocks')
      const t = model.manifest.transformers[0]
      const fused = new BlockProgram(
        t.name,
        'fused',
        t.blockLists[0].pattern,
        t.blockLists
          .flatMap((l) => l.blocks)
          .map((file) => ({ file, bytes: model.pkg.files.get(file)!, model: model.pkg.graph(file) })),
        'cpu',
        { intraOpThreads: 1 },
        'segments',
        { embed: model.pkg.graph(t.embed.file), maxSegmentBlocks: cut }
      )
      expect(fused.fusesEmbed).toBe(true)
      const n = blocks.blockCount
      for (const to of [1, n]) {
        const runner = fused.runner({ kind: 'embed', feeds: inputs }, none)
        const entered = await runner.enter(to)
        expectClose(entered.input, streams, 1e-6)
        expect(Object.keys(runner.context()).sort()).toEqual(Object.keys(context).sort())
        for (const k of Object.keys(context))
          expect(
            maxAbsDiff((runner.context()[k] as { data: Float32Array }).data, context[k].data)
          ).toBeLessThan(1e-6)
        expectClose(entered.output, await blocks.run(0, to, streams, context, none), 1e-5)
        // The rest of the call runs on the context the first segment returned.
        expectClose(
          await runner.run(to, n, entered.output),
          await blocks.run(0, n, streams, context, none),
          1e-5
        )
      }
      await Promise.all([blocks.release(), fused.release()])
    })
  }

  it('a cache-off transformer call is one session call: embed and final graphs run inside its segment', async () => {
    const model = await loadFixture('tiny-image')
    const { inputs } = await embedOnce(model)
    let calls = 0
    const site = (preset: 'none' | 'F1B0') => ({
      stepCache: createStepCache(resolveCacheConfig(preset)),
      step: 0,
      sigma: 0.7,
      branch: 'cond' as const,
      mergeBlockLists: true,
      beforeCall: () => void calls++
    })
    const call = { latent: inputs.latent, timestep: inputs.timestep, text: inputs }
    const off = await callTransformer(model.transformers[0], call, site('none'))
    expect(calls).toBe(1)
    calls = 0
    // A computed step with a cache: embed + Fn blocks, then the rest of the blocks + final.
    const computed = await callTransformer(model.transformers[0], call, site('F1B0'))
    expect(calls).toBe(2)
    expect(maxAbsDiff(off.data, computed.data)).toBeLessThan(1e-5)
  })

  it('a Pattern_4 segment reads only hidden_states and temb, and returns the last block encoder stream', async () => {
    const model = await loadFixture('tiny-p4')
    const t = model.manifest.transformers[0]
    const graphs = t.blockLists[0].blocks.map((f) => ({
      model: model.pkg.graph(f),
      pattern: 'Pattern_4' as const
    }))
    const session = await Session.create(compileSegment(graphs, { firstIndex: 0, name: 'p4' }), 'p4', 'cpu')
    expect([...session.inputNames].sort()).toEqual(['hidden_states', 'temb'])
    expect(session.outputNames).toEqual(['hidden_states_out', 'encoder_hidden_states_out'])
    await session.release()
  })

  it('a segment compiled for one batch size has a static batch axis and gives the same numbers', async () => {
    const model = await loadFixture('tiny-image')
    const t = model.manifest.transformers[0]
    const graphs = t.blockLists.flatMap((l) =>
      l.blocks.map((f) => ({ model: model.pkg.graph(f), pattern: l.pattern }))
    )
    const dynamicBytes = compileSegment(graphs, { firstIndex: 0, name: 'dyn' })
    const staticBytes = compileSegment(graphs, { firstIndex: 0, name: 'b1', batch: 1 })
    const decoded = tryDecodeModel(staticBytes)
    if (!('model' in decoded)) throw new Error(decoded.error)
    for (const v of decoded.model.graph?.input ?? []) {
      const first = v.type?.tensorType?.shape?.dim?.[0]
      expect(first?.dimParam ?? '').toBe('')
      expect(toNumber(first?.dimValue)).toBe(1)
    }
    const nodes = (bytes: Uint8Array) => {
      const d = tryDecodeModel(bytes)
      return 'model' in d ? (d.model.graph?.node?.length ?? 0) : 0
    }
    expect(nodes(staticBytes)).toBe(nodes(dynamicBytes)) // the same graph; ORT folds the shape ops at load
    const dynamic = await Session.create(dynamicBytes, 'dyn', 'cpu', { intraOpThreads: 1 })
    const fixed = await Session.create(staticBytes, 'b1', 'cpu', { intraOpThreads: 1 })
    const { streams, context } = await embedOnce(model)
    const feeds = { hidden_states: streams.hidden, encoder_hidden_states: streams.encoder!, ...context }
    const a = await dynamic.run(feeds)
    const b = await fixed.run(feeds)
    for (const name of dynamic.outputNames) expect(maxAbsDiff(a[name].data, b[name].data)).toBe(0)
    await Promise.all([dynamic.release(), fixed.release()])
  })

  it('BAD CALL - maxSegmentBlocks must be a positive integer', async () => {
    const model = await loadFixture('tiny-p3')
    expect(() => programOf(model, 'segments', 0)).toThrow(
      'maxSegmentBlocks must be a positive integer, got 0'
    )
  })

  it('EXPECTED FAILURE - a bad block range names the context', async () => {
    const model = await loadFixture('tiny-p3')
    const { streams, context } = await embedOnce(model)
    await expect(programOf(model, 'segments').run(3, 9, streams, context, none)).rejects.toThrow(
      'transformer/blocks: bad block range [3, 9) of 4'
    )
  })

  for (const name of ['tiny-image', 'tiny-p4']) {
    it(`${name}: the whole transformer as one graph gives the velocity of embed → blocks → final`, async () => {
      const model = await loadFixture(name)
      const t = model.manifest.transformers[0]
      const { inputs } = await embedOnce(model)
      const graphs = t.blockLists.flatMap((l) =>
        l.blocks.map((f) => ({ model: model.pkg.graph(f), pattern: l.pattern }))
      )
      const whole = await Session.create(
        compileWholeTransformer(model.pkg.graph(t.embed.file), graphs, model.pkg.graph(t.final.file)),
        'whole',
        'cpu'
      )
      const v1 = (await whole.run(inputs)).velocity
      const stepCache = createStepCache(resolveCacheConfig('none'))
      const v2 = await callTransformer(
        model.transformers[0],
        { latent: inputs.latent, timestep: inputs.timestep, text: inputs },
        { stepCache, step: 0, sigma: 0.7, branch: 'cond', mergeBlockLists: false, beforeCall: none }
      )
      expect(maxAbsDiff(v1.data, v2.data)).toBeLessThan(1e-5)
      await whole.release()
    })
  }

  it('runs the final graph on its own when the cache hands back streams other than the last segment output', async () => {
    const model = await loadFixture('tiny-image')
    const { inputs } = await embedOnce(model)
    // A cache that returns a copy: the fused velocity no longer belongs to these streams.
    const copying: StepCache = {
      beginGeneration: () => {},
      runBlocks: async (_call, runner) => {
        const { output: out } = await runner.enter(runner.blockCount)
        return { hidden: tensor(Float32Array.from(out.hidden.data), out.hidden.dims), encoder: out.encoder }
      },
      traces: () => [],
      drainTraces: () => [],
      summary: () => ({ contexts: [], blocksRun: 0, blocksTotal: 0, theoreticalBlockSpeedup: 1 })
    }
    const site = (stepCache: StepCache) => ({
      stepCache,
      step: 0,
      sigma: 0.7,
      branch: 'cond' as const,
      mergeBlockLists: true,
      beforeCall: none
    })
    const call = { latent: inputs.latent, timestep: inputs.timestep, text: inputs }
    const fused = await callTransformer(
      model.transformers[0],
      call,
      site(createStepCache(resolveCacheConfig('none')))
    )
    const separate = await callTransformer(model.transformers[0], call, site(copying))
    expect(maxAbsDiff(fused.data, separate.data)).toBeLessThan(1e-6)
  })
})
