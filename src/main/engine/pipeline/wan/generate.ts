import type { CacheConfig } from '../../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../../shared/engine-protocol'
import type { GenerateRequest, GenerationResult, Recipe } from '../../../../shared/generation'
import { resolveCacheConfig } from '../../../../shared/presets'
import { EngineFailure } from '../../errors'
import { tensor } from '../../tensor'
import { toFrames } from '../decode'
import type { StepReport } from '../denoise'
import type { PipelineHooks } from '../generate'
import { gaussianNoise } from '../noise'
import { uniPCSchedule } from '../schedulers/unipc'
import { stepProgress } from '../step-progress'
import { encodeVideoFiles } from '../video/files'
import { wanDecode } from './decode'
import { wanDenoise, wanUsesCfg } from './denoise'
import type { WanModel } from './model'
import { latentFrames, wanShapeProblem } from './shape'
import { encodeWan, tokenizeWan } from './text'

/**
 * A generate request on a Wan model, as WanPipeline's __call__ reads: settings (size and frames
 * per request within what the graphs take) → prompt and negative prompt through UMT5 → seeded
 * noise [1, C, (F − 1)/4 + 1, H/8, W/8] → UniPC schedule → denoising loop (cond and uncond calls,
 * Wan 2.2's experts) through the step cache → denormalise → VAE → frames and video files.
 */

/** The frame rate Wan's examples save their videos at (diffusers' export_to_video(fps=16)). */
const WAN_FPS = 16

export async function runWanPipeline(
  model: WanModel,
  req: GenerateRequest,
  hooks: PipelineHooks
): Promise<GenerationResult> {
  const t0 = performance.now()
  // 1. Settings.
  const d = model.defaults
  const steps = req.steps ?? d.steps
  const guidance = req.guidanceScale ?? d.guidanceScale
  const guidance2 = secondGuidance(model, req, guidance)
  const width = req.width ?? d.width
  const height = req.height ?? d.height
  const frames = req.frames ?? d.frames
  const negativePrompt = req.negativePrompt ?? d.negativePrompt
  const problem = wanShapeProblem(model.shape, width, height, frames)
  if (problem) throw new EngineFailure('bad_request', `${model.id}: ${problem}`)
  if (!model.vaeDecoder)
    throw new EngineFailure(
      'model_invalid',
      `${model.id}: the folder has no vae_decoder/model.onnx; its videos cannot be decoded (export the VAE decoder too)`
    )
  let resolved: CacheConfig
  try {
    resolved = resolveCacheConfig(req.cache.preset, req.cache.overrides)
  } catch (e) {
    throw new EngineFailure('bad_request', `cache ${req.cache.preset}: ${(e as Error).message}`)
  }
  // CacheDiT's Wan adapter: one list (blocks), CFG's branches as separate calls with their own state.
  const cache: CacheConfig = { ...resolved, mergeBlockLists: false, enableSeparateCfg: true }
  const cfg = wanUsesCfg(guidance)
  const recipe: Recipe = {
    model: model.id,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt,
    seed: req.seed,
    steps,
    guidanceScale: guidance,
    ...(guidance2 === null ? {} : { guidanceScale2: guidance2 }),
    separateCfg: true,
    preset: req.cache.preset,
    cache,
    provider: model.provider,
    engineVersion: ENGINE_VERSION,
    width,
    height,
    frames
  }

  // 2. Prompts: UMT5 states, zeroed past each prompt's length.
  const tEncode = performance.now()
  const L = d.maxSequenceLength
  const cond = await encodeWan(
    model.textEncoder,
    tokenizeWan(model.tokenizer, req.prompt, L),
    hooks.beforeCall
  )
  const uncond = cfg
    ? await encodeWan(model.textEncoder, tokenizeWan(model.tokenizer, negativePrompt, L), hooks.beforeCall)
    : cond
  const encodeMs = performance.now() - tEncode

  // 3. Noise in the latent's layout [1, C, F', h, w] (prepare_latents).
  const vae = model.configs.vae
  const dims = [
    1,
    model.configs.transformer.in_channels,
    latentFrames(frames, vae.scale_factor_temporal),
    height / vae.scale_factor_spatial,
    width / vae.scale_factor_spatial
  ]
  const count = dims.reduce((a, b) => a * b, 1)
  if (hooks.noise && hooks.noise.length !== count)
    throw new Error(
      `the injected noise has ${hooks.noise.length} values, a ${width}×${height}×${frames} latent ${count}`
    )
  const noise = tensor(hooks.noise ? Float32Array.from(hooks.noise) : gaussianNoise(req.seed, count), dims)
  const schedule = uniPCSchedule(model.configs.scheduler, steps)

  // 4. Denoising loop through the step cache, on warm sessions.
  const perStepMs: number[] = []
  let tDenoise = 0
  const onStep = async (r: StepReport) => {
    if (r.step === 0) tDenoise = performance.now() - r.stepMs
    perStepMs.push(r.stepMs)
    if (!hooks.onProgress) return
    hooks.onProgress(await stepProgress(r, tDenoise, req.previewEvery, () => preview(model, r, hooks)))
  }
  const tStart = performance.now()
  const denoised = await wanDenoise(
    model,
    { cond, uncond, noise, schedule, guidanceScale: guidance, guidanceScale2: guidance2, cache },
    { createStepCache: hooks.createStepCache, beforeCall: hooks.beforeCall, onStep, warm: true }
  )
  const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
  const previewMs = Math.max(0, performance.now() - tStart - denoised.prepareMs - denoiseMs)

  // 5. Decode; frames and the video files with the recipe.
  const tDecode = performance.now()
  const { video } = await wanDecode(model, denoised.latent, hooks.beforeCall)
  hooks.onDecoded?.(denoised.latent, video)
  const out = toFrames(video, true)
  const files = await encodeVideoFiles(
    { width: out.width, height: out.height, frames: out.frames, fps: WAN_FPS, rgba: out.pixels },
    recipe
  )
  const decodeMs = performance.now() - tDecode
  return {
    recipe,
    kind: 'video',
    width: out.width,
    height: out.height,
    frames: out.frames,
    fps: WAN_FPS,
    pixels: out.pixels,
    files,
    trace: [...denoised.stepCache.traces()],
    summary: denoised.stepCache.summary(),
    timings: {
      totalMs: performance.now() - t0,
      prepareMs: denoised.prepareMs,
      encodeMs,
      denoiseMs,
      previewMs,
      decodeMs,
      perStepMs
    }
  }
}

/**
 * The low-noise expert's guidance (WanPipeline's guidance_scale_2): the request's, else the
 * model's default, else the first scale, as diffusers fills it; null on a model with one
 * transformer, which refuses a request that sets one (it would be silently ignored).
 */
export function secondGuidance(
  model: Pick<WanModel, 'id' | 'boundaryRatio' | 'transformers' | 'defaults'>,
  req: Pick<GenerateRequest, 'guidanceScale2'>,
  guidance: number
): number | null {
  const two = model.boundaryRatio !== null && model.transformers.length > 1
  if (!two) {
    if (req.guidanceScale2 !== undefined)
      throw new EngineFailure(
        'bad_request',
        `${model.id} has one transformer; guidanceScale2 (--guidance-2) is only for models with two experts (Wan 2.2)`
      )
    return null
  }
  return req.guidanceScale2 ?? model.defaults.guidanceScale2 ?? guidance
}

/**
 * The predicted clean sample x0 = x − σ·v, decoded: its first frame is what the video is
 * becoming. r.latent is already the next step's sample; with this step's σ and prediction it is
 * close enough for a preview (as pipeline/generate.ts's).
 */
async function preview(model: WanModel, r: StepReport, hooks: PipelineHooks) {
  const x0 = new Float32Array(r.latent.data.length)
  for (let i = 0; i < x0.length; i++) x0[i] = r.latent.data[i] - r.sigma * r.velocity.data[i]
  const { video } = await wanDecode(model, tensor(x0, r.latent.dims), hooks.beforeCall)
  const frames = toFrames(video, true)
  return {
    width: frames.width,
    height: frames.height,
    pixels: frames.pixels.slice(0, frames.width * frames.height * 4)
  }
}
