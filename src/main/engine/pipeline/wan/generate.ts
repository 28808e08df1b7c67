import type { GenerateRequest } from '../../../../shared/generation'
import { EngineFailure } from '../../errors'
import type { FamilyPipeline } from '../generate'
import { usesCfg } from '../guidance'
import { decodedFrames, framesResult } from '../image-result'
import { familyCacheRecipe } from '../request-settings'
import { uniPCSchedule } from '../schedulers/unipc'
import { seededNoise } from '../seeded-noise'
import { predictedClean, timedDenoise } from '../step-progress'
import { encodeVideoFiles } from '../video/files'
import { wanDecode } from './decode'
import { wanDenoise } from './denoise'
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

export const runWanPipeline: FamilyPipeline<WanModel> = async (model, req, hooks) => {
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
  // CacheDiT's Wan adapter: one list (blocks), CFG's branches as separate calls with their own state.
  const { cache, recipe } = familyCacheRecipe(
    model,
    req,
    { negativePrompt, steps, guidanceScale: guidance, separateCfg: true, width, height },
    { frames, ...(guidance2 === null ? {} : { guidanceScale2: guidance2 }) }
  )
  const cfg = usesCfg(guidance)

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
  const noise = seededNoise(hooks.noise, req.seed, dims, `${width}×${height}×${frames}`)
  const schedule = uniPCSchedule(model.configs.scheduler, steps)

  // 4. Denoising loop through the step cache, on warm sessions.
  // A preview decodes what the step is becoming, x0 = x − σ·v: its first frame.
  const { denoised, timings } = await timedDenoise(
    hooks,
    req.previewEvery,
    async (r) => (await wanDecode(model, predictedClean(r), hooks.beforeCall)).video,
    true,
    (loopHooks) =>
      wanDenoise(
        model,
        { cond, uncond, noise, schedule, guidanceScale: guidance, guidanceScale2: guidance2, cache },
        loopHooks
      )
  )

  // 5. Decode; frames and the video files with the recipe.
  const tDecode = performance.now()
  const out = await decodedFrames(
    denoised.latent,
    async (latent) => (await wanDecode(model, latent, hooks.beforeCall)).video,
    true,
    hooks.onDecoded
  )
  const files = await encodeVideoFiles(
    { width: out.width, height: out.height, frames: out.frames, fps: WAN_FPS, rgba: out.pixels },
    recipe
  )
  const decodeMs = performance.now() - tDecode
  return framesResult({ t0, recipe, encodeMs, denoised, timings }, out, files, decodeMs, WAN_FPS)
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
