import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CacheConfigSchema } from '../../src/shared/cache-config'
import { createStepCache } from '../../src/main/engine/cache/index'
import { uniPCSchedule } from '../../src/main/engine/pipeline/schedulers/unipc'
import { wanDenoise, wanExpert } from '../../src/main/engine/pipeline/wan/denoise'
import { encodeWan, tokenizeWan } from '../../src/main/engine/pipeline/wan/text'
import type { WanModel } from '../../src/main/engine/pipeline/wan/model'
import { loadWholeGraphWan } from '../../src/main/engine/pipeline/wan/whole-graph'
import { readWanGolden } from '../../src/main/engine/replay/wan-golden'
import { replayWan } from '../../src/main/engine/replay/wan-replay'
import { tensor } from '../../src/main/engine/tensor'
import { readFloat } from '../import/npy'
import { cutWanTransformer } from './cut-wan'

const FIXTURES = join(__dirname, '../fixtures/diffusers')

/** The folder's encoder and VAE, each transformer cut into blocks in place of its whole graph. */
async function cutModel(family: string, exporter: string): Promise<WanModel> {
  const whole = await loadWholeGraphWan(join(FIXTURES, family, exporter), { provider: 'cpu' })
  const transformers = await Promise.all(
    whole.transformers.map((t) =>
      cutWanTransformer(join(FIXTURES, family, exporter, t.manifest.name, 'model.onnx'), t.manifest.name)
    )
  )
  return {
    ...whole,
    transformers,
    call: undefined,
    cacheable: true,
    release: async () => {
      await Promise.all(transformers.map((t) => t.release()))
      await whole.release()
    }
  }
}

describe('Wan replay, transformers cut into blocks, through the step cache', () => {
  for (const exporter of ['onnx', 'onnx-dynamo'])
    it(`wan2.1-tiny ${exporter} dbcache_10steps: CacheDiT's cached steps for cond and uncond at both thresholds`, async () => {
      const model = await cutModel('wan2.1-tiny', exporter)
      try {
        expect(model.transformers[0].contexts(false)[0].pattern).toBe('Pattern_2')
        const golden = await readWanGolden(join(FIXTURES, 'wan2.1-tiny/golden/dbcache_10steps'))
        expect(golden.maxSequenceLength).toBe(16)
        const { runs } = await replayWan(model, golden, { createStepCache })
        expect(runs.map((r) => r.name)).toEqual(['uncached', 'cached_0', 'cached_1'])
        for (const run of runs) {
          console.log(`${exporter} ${run.name}: final latents ${run.latentMaxAbsDiff.toExponential(2)}`)
          expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
          for (const ref of run.reference.contexts) {
            const own = run.contexts.find((c) => c.transformer === ref.transformer && c.branch === ref.branch)
            expect(own?.cachedSteps, `${run.name} ${ref.branch}`).toEqual(ref.cachedSteps)
            for (const [step, d] of Object.entries(ref.residualDiffs))
              expect(own?.residualDiffs[step], `${run.name} ${ref.branch} step ${step}`).toBeCloseTo(d, 4)
          }
        }
        expect(runs[1].reference.contexts.map((c) => c.cachedSteps)).toEqual([
          [2, 4, 5, 9],
          [2, 4, 5, 9]
        ])
      } finally {
        await model.release()
      }
    })

  for (const [family, exporter] of [
    ['wan2.1-tiny', 'onnx'],
    ['wan2.2-tiny', 'onnx'],
    ['wan2.2-tiny', 'onnx-dynamo']
  ])
    it(`${family} ${exporter} pipeline_4steps uncached: diffusers' final latents (and frames) from the cut graphs`, async () => {
      const model = await cutModel(family, exporter)
      try {
        const { runs, checks } = await replayWan(
          model,
          await readWanGolden(join(FIXTURES, family, 'golden/pipeline_4steps')),
          {
            createStepCache
          }
        )
        expect(runs[0].latentMaxAbsDiff).toBeLessThan(1e-4)
        if (model.vaeDecoder) expect(runs[0].imageMaxAbsDiff).toBeLessThan(1e-3)
        if (family === 'wan2.2-tiny') expect(checks.expertsMatch).toBe(true)
      } finally {
        await model.release()
      }
    })
})

describe('Wan 2.2 experts in the step cache: one context per expert, its own step count and warmup', () => {
  it('transformer_2 starts at its step 0: warmup 2 computes its first two steps (global 4 and 5), both branches', async () => {
    const model = await cutModel('wan2.2-tiny', 'onnx-dynamo')
    try {
      const golden = await readWanGolden(join(FIXTURES, 'wan2.2-tiny/golden/pipeline_4steps'))
      const schedule = uniPCSchedule(model.configs.scheduler, 10)
      // 999, 964, 923, 875 ≥ boundary 875: the high-noise expert; the six below: transformer_2.
      expect(schedule.timesteps.map((t) => wanExpert(model, t, 5, 3).transformer.manifest.name)).toEqual([
        ...Array<string>(4).fill('transformer'),
        ...Array<string>(6).fill('transformer_2')
      ])
      const tokens = (p: string) => tokenizeWan(model.tokenizer, p, 16)
      const cache = CacheConfigSchema.parse({
        enabled: true,
        Fn: 1,
        Bn: 0,
        maxWarmupSteps: 2,
        // Every distance passes: only warmup and the first reference keep a step computed.
        residualDiffThreshold: 1e9,
        enableSeparateCfg: true
      })
      const { stepCache } = await wanDenoise(
        model,
        {
          cond: await encodeWan(model.textEncoder, tokens(golden.prompt), () => undefined),
          uncond: await encodeWan(model.textEncoder, tokens(golden.negativePrompt), () => undefined),
          noise: golden.initialLatents,
          schedule,
          guidanceScale: 5,
          guidanceScale2: 3,
          cache
        },
        { createStepCache, beforeCall: () => undefined }
      )
      const traces = stepCache.traces()
      expect(traces).toHaveLength(20)
      const computed = (name: string, branch: string) =>
        traces.filter((t) => t.transformer === name && t.branch === branch && !t.cached).map((t) => t.step)
      for (const branch of ['cond', 'uncond']) {
        expect(computed('transformer', branch)).toEqual([0, 1])
        expect(computed('transformer_2', branch)).toEqual([4, 5])
      }
      expect(traces.find((t) => t.transformer === 'transformer_2' && t.step === 5)?.reason).toBe('warmup')
    } finally {
      await model.release()
    }
  })
})

describe("Wan cut blocks reproduce diffusers' block outputs (golden/transformer)", () => {
  const cases = [
    ['wan2.1-tiny', 'onnx', 'transformer'],
    ['wan2.1-tiny', 'onnx-dynamo', 'transformer'],
    ['wan2.2-tiny', 'onnx', 'transformer_2'],
    ['wan2.2-tiny', 'onnx-dynamo', 'transformer_2']
  ]
  for (const [family, exporter, name] of cases)
    it(`${family} ${exporter} ${name}: each block's hidden_states within 1e-5, the output within 1e-5`, async () => {
      const t = await cutWanTransformer(join(FIXTURES, family, exporter, name, 'model.onnx'), name)
      const dir = join(FIXTURES, family, 'golden', name)
      try {
        const program = t.contexts(false)[0]
        const n = program.blockCount
        await program.prepare(
          Array.from({ length: n }, (_, k) => [k, k + 1] as const),
          1
        )
        const input = (k: string) => {
          const v = readFloat(join(dir, `input.${k}.npy`))
          return tensor(v.data, v.dims)
        }
        const runner = program.runner(
          {
            kind: 'embed',
            feeds: {
              latent: input('hidden_states'),
              timestep: input('timestep'),
              text_hidden: input('encoder_hidden_states')
            }
          },
          () => undefined
        )
        let streams = (await runner.enter(1)).output
        for (let k = 0; k < n; k++) {
          if (k > 0) streams = await runner.run(k, k + 1, streams)
          const want = readFloat(join(dir, `block.blocks.${k}.hidden_states.npy`))
          expect(streams.hidden.dims).toEqual(want.dims)
          expect(maxAbsDiff(streams.hidden.data, want.data), `block ${k}`).toBeLessThan(1e-5)
        }
        const velocity =
          runner.velocityFor(streams.hidden) ??
          (await t.final.run({ hidden_states: streams.hidden, ...runner.context() }, ['velocity'])).velocity
        expect(
          maxAbsDiff(velocity.data, readFloat(join(dir, 'output.out_hidden_states.npy')).data)
        ).toBeLessThan(1e-5)
      } finally {
        await t.release()
      }
    })
})

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}
