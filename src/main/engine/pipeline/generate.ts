import type { CacheConfig } from '../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../shared/engine-protocol'
import type {
  GenerateRequest,
  GenerationResult,
  OutputFile,
  ProgressEvent,
  Recipe
} from '../../../shared/generation'
import type { CreateStepCache } from '../cache/seam'
import { EngineFailure } from '../errors'
import type { BeforeCall } from '../model/block-program'
import type { LoadedModel } from '../model/loaded-model'
import { tensor, type Tensor } from '../tensor'
import { decodeLatent, toFrames } from './decode'
import { denoise, type StepReport } from './denoise'
import { stepProgress } from './step-progress'
import { gaussianNoise } from './noise'
import { cfgCallBatch, needsUncond } from './guidance'
import { encodePng } from './png'
import { prepareBlockList } from './prepare-segments'
import { requestCache } from './request-settings'
import { flowMatchSigmas } from './scheduler'
import { encodePrompt } from './text-encoder'
import type { TransformerCall } from './transformer-call'
import { encodeVideoFiles } from './video/files'
import { warmUp } from './warm-up'

/**
 * The pipeline, as diffusers' `__call__` reads: settings → prompt encoding → latents →
 * denoising loop (through the cache seam) → decode → encoded files with the recipe.
 */

export interface PipelineHooks {
  createStepCache: CreateStepCache
  beforeCall: BeforeCall
  onProgress?: (e: ProgressEvent) => void
  /** Replaces the seeded noise (parity tests feed the reference's noise). */
  noise?: Float32Array
  /** Sees the final latent and the decoded image tensor (parity tests, benchmarks). */
  onDecoded?: (latent: Tensor, image: Tensor) => void
  /** Replaces the transformer call (see denoise). */
  transformerCall?: TransformerCall
}

/** A family's generate: a request on its loaded model, to the result with its files. */
export type FamilyPipeline<Model> = (
  model: Model,
  req: GenerateRequest,
  hooks: PipelineHooks
) => Promise<GenerationResult>

export const runPipeline: FamilyPipeline<LoadedModel> = async (model, req, hooks) => {
  const t0 = performance.now()
  const m = model.manifest
  const video = m.kind === 'video'
  if (req.promptEmbeds || req.negativePromptEmbeds)
    throw new EngineFailure(
      'bad_request',
      `${m.id} reads the prompt text; --prompt-embeds is only for models without a text encoder graph (Qwen-Image)`
    )
  if (req.guidanceScale2 !== undefined)
    throw new EngineFailure(
      'bad_request',
      `${m.id} has one transformer; guidanceScale2 (--guidance-2) is only for models with two experts (Wan 2.2)`
    )

  // 1. Settings: request over manifest defaults; the cache config resolved from its preset.
  const steps = req.steps ?? m.defaults.steps
  const guidanceScale = req.guidanceScale ?? m.defaults.guidanceScale
  const negativePrompt = req.negativePrompt ?? m.defaults.negativePrompt
  const cache = requestCache(req)
  // The cache's enableSeparateCfg (CacheDiT's enable_separate_cfg) says whether CFG's branches
  // run as two calls, each with its own cache state, or as one batched call with one state; the
  // request's own separateCfg wins (the CLI's --batched-cfg on a replayed recipe), then the model.
  const separateCfg = req.separateCfg ?? cache.enableSeparateCfg ?? m.defaults.separateCfg
  const mergeBlockLists = cache.mergeBlockLists ?? m.cache?.mergeBlockLists ?? false
  const contextConfig: CacheConfig = { ...cache, mergeBlockLists, enableSeparateCfg: separateCfg }
  const callBatch = cfgCallBatch(separateCfg, guidanceScale)
  const tPrepare = performance.now()
  for (const t of model.transformers) {
    for (const program of t.contexts(mergeBlockLists)) {
      // CFG's pairer runs the ranges both branches share at twice the batch (model/cfg-pairing.ts).
      const batches =
        program.pairsCfg && separateCfg && needsUncond(guidanceScale) ? [callBatch, 2] : [callBatch]
      await prepareBlockList(
        t.manifest.name,
        program,
        contextConfig,
        batches,
        hooks.beforeCall,
        `cache ${req.cache.preset}`
      )
    }
  }
  let prepareMs = performance.now() - tPrepare
  const recipe: Recipe = {
    model: m.id,
    modelName: m.name,
    prompt: req.prompt,
    negativePrompt,
    seed: req.seed,
    steps,
    guidanceScale,
    separateCfg,
    preset: req.cache.preset,
    cache: contextConfig,
    provider: model.provider,
    engineVersion: ENGINE_VERSION
  }

  // 2. Encode the prompt and the negative prompt.
  const tEncode = performance.now()
  const cond = await encodePrompt(model, req.prompt)
  const uncond = guidanceScale === 1 ? cond : await encodePrompt(model, negativePrompt)
  const encodeMs = performance.now() - tEncode

  // 3. Initial latent: seeded Gaussian noise of one sample's latent shape.
  const { channels: C, frames: F, height: H, width: W } = m.latent
  const dims = video ? [1, C, F, H, W] : [1, C, H, W]
  const noise = hooks.noise
    ? tensor(Float32Array.from(hooks.noise), dims)
    : tensor(gaussianNoise(req.seed, C * F * H * W), dims)
  const sigmas = flowMatchSigmas(steps, m.scheduler.shift)
  const denoiseInput = { noise, sigmas, cond, uncond, guidanceScale, separateCfg, mergeBlockLists }

  // 4. Denoising loop, each transformer call through the step cache, on warm sessions.
  const tWarm = performance.now()
  await warmUp(model, denoiseInput, contextConfig, { ...hooks, call: hooks.transformerCall })
  prepareMs += performance.now() - tWarm
  const stepCache = hooks.createStepCache(contextConfig)
  stepCache.beginGeneration()
  const perStepMs: number[] = []
  const tDenoise = performance.now()
  const onStep = async (r: StepReport) => {
    perStepMs.push(r.stepMs)
    if (!hooks.onProgress) return
    hooks.onProgress(await stepProgress(r, tDenoise, req.previewEvery, () => preview(model, r, video)))
  }
  const latent = await denoise(model, denoiseInput, {
    stepCache,
    beforeCall: hooks.beforeCall,
    onStep,
    call: hooks.transformerCall
  })
  // The steps' own time: previews and progress events run between steps and are kept apart.
  const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
  const previewMs = performance.now() - tDenoise - denoiseMs

  // 5. Decode and encode the files, each carrying the recipe.
  hooks.beforeCall()
  const tDecode = performance.now()
  const image = await decodeLatent(model, latent)
  hooks.onDecoded?.(latent, image)
  const frames = toFrames(image, video)
  const decodeMs = performance.now() - tDecode
  const files = await encodeFiles(
    frames.width,
    frames.height,
    frames.frames,
    frames.pixels,
    recipe,
    video,
    m.output.fps ?? 8
  )

  return {
    recipe,
    kind: m.kind,
    width: frames.width,
    height: frames.height,
    frames: frames.frames,
    fps: video ? (m.output.fps ?? 8) : undefined,
    pixels: frames.pixels,
    files,
    trace: [...stepCache.traces()],
    summary: stepCache.summary(),
    timings: {
      totalMs: performance.now() - t0,
      prepareMs,
      encodeMs,
      denoiseMs,
      previewMs,
      decodeMs,
      perStepMs
    }
  }
}

/** The predicted clean sample x0 = x_t − σ·v at this step, decoded: what the image is becoming. */
async function preview(model: LoadedModel, r: StepReport, video: boolean) {
  const x0 = new Float32Array(r.latent.data.length)
  // r.latent is already x_{i+1}; predict from it with the velocity of step i (close enough for a preview).
  const sigmaNext = r.sigma
  for (let i = 0; i < x0.length; i++) x0[i] = r.latent.data[i] - sigmaNext * r.velocity.data[i]
  const frames = toFrames(await decodeLatent(model, tensor(x0, r.latent.dims)), video)
  return {
    width: frames.width,
    height: frames.height,
    pixels: frames.pixels.slice(0, frames.width * frames.height * 4)
  }
}

async function encodeFiles(
  width: number,
  height: number,
  frames: number,
  pixels: Uint8Array,
  recipe: Recipe,
  video: boolean,
  fps: number
): Promise<OutputFile[]> {
  if (!video)
    return [{ name: 'image.png', mime: 'image/png', bytes: encodePng(width, height, pixels, recipe) }]
  return encodeVideoFiles({ width, height, frames, fps, rgba: pixels }, recipe)
}
