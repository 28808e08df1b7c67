import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { z } from 'zod'
import {
  GenerateRequestSchema,
  type GenerateRequest,
  type GenerateRequestInput
} from '../../src/shared/generation'
import { createStepCache } from '../../src/main/engine/cache/index'
import { LoadedModel, type LoadOptions } from '../../src/main/engine/model/loaded-model'
import { loadPackage } from '../../src/main/engine/model/package'
import { runPipeline, type PipelineHooks } from '../../src/main/engine/pipeline/generate'
import { gaussianNoise } from '../../src/main/engine/pipeline/noise'
import { encodePrompt } from '../../src/main/engine/pipeline/text-encoder'
import { Session } from '../../src/main/engine/model/session'
import { tensor, type Tensor } from '../../src/main/engine/tensor'
import type { StepTrace } from '../../src/shared/trace'

/** Fixture packages (tools/train/make_fixtures.py) and helpers the engine tests share. */

export const FIXTURES = resolve(__dirname, '../fixtures/models')
/** A fixture by name, or any package folder given as a path. */
export const fixture = (name: string) => (isAbsolute(name) ? name : join(FIXTURES, name))
export const ALL_FIXTURES = ['tiny-image', 'tiny-video', 'tiny-p0', 'tiny-p3', 'tiny-p4', 'tiny-p5'] as const

/** Embedded models (resources/models) that ship parity data, as absolute paths. */
export function embeddedWithReference(): string[] {
  const root = resolve(__dirname, '../../resources/models')
  if (!existsSync(root)) return []
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'model.json')) && existsSync(join(d, 'reference.json')))
}

const ReferenceSchema = z.object({
  prompt: z.string(),
  negativePrompt: z.string(),
  steps: z.number().int(),
  guidanceScale: z.number(),
  separateCfg: z.boolean(),
  seed: z.number().int(),
  inputIds: z.array(z.number().int()),
  sigmas: z.array(z.number()),
  latentShape: z.array(z.number().int()),
  noise: z.array(z.number()),
  latentOut: z.array(z.number()),
  imageShape: z.array(z.number().int()).optional(),
  image: z.array(z.number()).optional()
})
export type Reference = z.infer<typeof ReferenceSchema>

export function readReference(name: string): Reference {
  return ReferenceSchema.parse(JSON.parse(readFileSync(join(fixture(name), 'reference.json'), 'utf8')))
}

const loaded = new Map<string, Promise<LoadedModel>>()

/** Loads a fixture once per test file (per options), on CPU. */
export function loadFixture(name: string, options: Partial<LoadOptions> = {}): Promise<LoadedModel> {
  const key = `${name}:${JSON.stringify(options)}`
  let model = loaded.get(key)
  if (!model) {
    model = loadPackage(fixture(name)).then((pkg) => LoadedModel.load(pkg, { provider: 'cpu', ...options }))
    loaded.set(key, model)
  }
  return model
}

export function request(input: Partial<GenerateRequestInput> & { model: string }): GenerateRequest {
  return GenerateRequestSchema.parse({ prompt: '', seed: 1, provider: 'cpu', ...input })
}

export function generate(model: LoadedModel, req: GenerateRequest, hooks: Partial<PipelineHooks> = {}) {
  return runPipeline(model, req, { createStepCache, beforeCall: () => {}, ...hooks })
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

/**
 * The embed graph's feeds for one call of the model's first transformer: seeded noise as the
 * latent, one timestep and the encoded example prompt.
 */
export async function embedFeeds(
  model: LoadedModel,
  seed: number,
  timestep: number
): Promise<Record<string, Tensor>> {
  const m = model.manifest
  const { channels: C, frames: F, height: H, width: W } = m.latent
  const dims = m.kind === 'video' ? [1, C, F, H, W] : [1, C, H, W]
  const text = await encodePrompt(model, m.examples?.[0] ?? 'a red circle')
  const feeds: Record<string, Tensor> = {
    latent: tensor(gaussianNoise(seed, C * F * H * W), dims),
    timestep: tensor(Float32Array.of(timestep), [1])
  }
  for (const n of model.transformers[0].embed.inputNames) if (n in text) feeds[n] = text[n]
  return feeds
}

/** One session of `bytes` (1 thread) run on the feeds it reads: its velocity. */
export async function wholeVelocity(
  bytes: Uint8Array,
  feeds: Readonly<Record<string, Tensor>>
): Promise<Tensor> {
  const s = await Session.create(bytes, 'whole', 'cpu', { intraOpThreads: 1 })
  try {
    const inputs: Record<string, Tensor> = {}
    for (const n of s.inputNames) inputs[n] = feeds[n]
    return (await s.run(inputs, ['velocity'])).velocity
  } finally {
    await s.release()
  }
}

/** F1B1 that caches often on 6 steps, so cached calls (Bn blocks + final on their own) are covered. */
export const EAGER_CACHE = {
  preset: 'custom' as const,
  overrides: { Fn: 1, Bn: 1, residualDiffThreshold: 0.8, maxWarmupSteps: 1, maxContinuousCachedSteps: 3 }
}

/**
 * A CFG generation (two calls per step, guidance 4) of a package's reference prompt and noise
 * under `options` (its session layout): the decoded latent, the result and the traces in the
 * order progress reported them. `preset` 'eager' is EAGER_CACHE.
 */
export async function cfgGeneration(name: string, options: Partial<LoadOptions>, preset: string, steps = 6) {
  const model = await loadFixture(name, options)
  const ref = readReference(name)
  let latent: Tensor | null = null
  const drained: StepTrace[] = []
  const result = await generate(
    model,
    request({
      model: fixture(name),
      prompt: ref.prompt,
      steps,
      guidanceScale: 4,
      separateCfg: true,
      cache: preset === 'eager' ? EAGER_CACHE : { preset: preset as 'none' }
    }),
    {
      noise: Float32Array.from(ref.noise),
      onDecoded: (l) => (latent = l),
      onProgress: (p) => void drained.push(...(p.traces ?? []))
    }
  )
  if (!latent) throw new Error(`${name}: the generation decoded no latent`)
  return { latent: latent as Tensor, result, drained }
}
