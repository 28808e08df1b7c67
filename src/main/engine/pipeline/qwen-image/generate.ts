import type { CacheConfig } from '../../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../../shared/engine-protocol'
import type { GenerateRequest, GenerationResult, Recipe } from '../../../../shared/generation'
import { resolveCacheConfig } from '../../../../shared/presets'
import { EngineFailure } from '../../errors'
import { tensor } from '../../tensor'
import { toFrames } from '../decode'
import type { StepReport } from '../denoise'
import { flowMatchSchedule } from '../flow-match'
import { packLatents } from '../flux/latents'
import type { PipelineHooks } from '../generate'
import { gaussianNoise } from '../noise'
import { encodePng } from '../png'
import { stepProgress } from '../step-progress'
import { qwenDenoise, qwenUsesTrueCfg } from './denoise'
import type { QwenImageModel } from './model'
import { readRequestEmbeds } from './request-embeds'
import { qwenDecode, qwenVaeScale, type QwenImageVae } from './vae'

/**
 * A generate request on a Qwen-Image model, as QwenImagePipeline's __call__ reads it with
 * prompt_embeds given: the precomputed embeddings (and negative ones: true CFG at
 * true_cfg_scale = the request's guidance) → seeded noise [1, C, h, w] (C = in_channels / 4),
 * packed into 2×2 patches → FlowMatchEuler with sigmas linspace(1, 1/n, n) and mu of the token
 * count → the loop (denoise.ts) → unpack, denormalise, VAE decode (vae.ts) → PNG. The exported
 * transformer bakes one latent grid into its RoPE table, so the image size is the model's.
 */

/** A Qwen-Image model with its VAE decoder (null: the package has none; generate refuses). */
export interface QwenImageGenerateModel extends QwenImageModel {
  readonly vae: QwenImageVae | null
}

export async function runQwenImagePipeline(
  model: QwenImageGenerateModel,
  req: GenerateRequest,
  hooks: PipelineHooks
): Promise<GenerationResult> {
  const t0 = performance.now()
  const vae = model.vae
  if (!vae)
    throw new EngineFailure(
      'model_invalid',
      `${model.name}: the package has no vae_decoder graph, so it cannot make images (import a folder with vae_decoder/model.onnx)`
    )
  const steps = req.steps ?? model.defaults.steps
  const trueCfgScale = req.guidanceScale ?? model.defaults.trueCfgScale
  const width = req.width ?? model.defaults.width
  const height = req.height ?? model.defaults.height
  const scale = qwenVaeScale(vae.config)
  const h = 2 * Math.floor(height / (scale * 2))
  const w = 2 * Math.floor(width / (scale * 2))
  if (
    width !== model.defaults.width ||
    height !== model.defaults.height ||
    (h / 2) * (w / 2) !== model.shape.imageTokens
  )
    throw new EngineFailure(
      'bad_request',
      `${width}×${height}: ${model.name}'s transformer graph was exported for ${model.defaults.width}×${model.defaults.height} only (${model.shape.imageTokens} image tokens)`
    )
  const C = model.configs.transformer.in_channels / 4
  if (vae.config.z_dim !== C)
    throw new EngineFailure(
      'model_invalid',
      `${model.name}: vae_decoder z_dim ${vae.config.z_dim} is not the transformer's latent channels ${C} (in_channels / 4)`
    )
  if (req.negativePrompt && !req.negativePromptEmbeds)
    throw new EngineFailure(
      'bad_request',
      `${model.name} reads no negative prompt text: give its embeddings (studio generate --negative-prompt-embeds FILE)`
    )

  const tEncode = performance.now()
  const embeds = await readRequestEmbeds(req, model.configs.transformer.joint_attention_dim, model.name)
  const encodeMs = performance.now() - tEncode
  const cfg = qwenUsesTrueCfg(trueCfgScale, embeds.uncond)

  let resolved: CacheConfig
  try {
    resolved = resolveCacheConfig(req.cache.preset, req.cache.overrides)
  } catch (e) {
    throw new EngineFailure('bad_request', `cache ${req.cache.preset}: ${(e as Error).message}`)
  }
  // One block list; true CFG's negative call is its own call, so its own cache context.
  const cache: CacheConfig = { ...resolved, mergeBlockLists: false, enableSeparateCfg: cfg }
  const recipe: Recipe = {
    model: model.id,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt: req.negativePrompt ?? '',
    seed: req.seed,
    steps,
    guidanceScale: trueCfgScale,
    separateCfg: cfg,
    preset: req.cache.preset,
    cache,
    provider: model.provider,
    engineVersion: ENGINE_VERSION,
    width,
    height,
    ...embeds.record
  }
  let schedule
  try {
    schedule = flowMatchSchedule(model.configs.scheduler, steps, model.shape.imageTokens)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }

  // prepare_latents: randn [1, 1, C, h, w] (one frame; the same values as [1, C, h, w]), packed.
  const count = C * h * w
  if (hooks.noise && hooks.noise.length !== count)
    throw new Error(
      `the injected noise has ${hooks.noise.length} values, a ${width}×${height} latent ${count}`
    )
  const noise = packLatents(
    tensor(hooks.noise ? Float32Array.from(hooks.noise) : gaussianNoise(req.seed, count), [1, C, h, w])
  )

  const perStepMs: number[] = []
  let tDenoise = 0
  const onStep = async (r: StepReport) => {
    if (r.step === 0) tDenoise = performance.now() - r.stepMs
    perStepMs.push(r.stepMs)
    if (!hooks.onProgress) return
    hooks.onProgress(
      await stepProgress(r, tDenoise, req.previewEvery, async () => {
        const f = toFrames(await qwenDecode(vae, r.latent, h, w, hooks.beforeCall), true)
        return { width: f.width, height: f.height, pixels: f.pixels }
      })
    )
  }
  const tStart = performance.now()
  const denoised = await qwenDenoise(
    model,
    { cond: embeds.cond, uncond: cfg ? embeds.uncond : null, noise, schedule, trueCfgScale, cache },
    { createStepCache: hooks.createStepCache, beforeCall: hooks.beforeCall, onStep }
  )
  const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
  const previewMs = Math.max(0, performance.now() - tStart - denoised.prepareMs - denoiseMs)

  const tDecode = performance.now()
  const image = await qwenDecode(vae, denoised.latent, h, w, hooks.beforeCall)
  hooks.onDecoded?.(denoised.latent, image)
  const frames = toFrames(image, true)
  const decodeMs = performance.now() - tDecode
  return {
    recipe,
    kind: 'image',
    width: frames.width,
    height: frames.height,
    frames: 1,
    pixels: frames.pixels,
    files: [
      {
        name: 'image.png',
        mime: 'image/png',
        bytes: encodePng(frames.width, frames.height, frames.pixels, recipe)
      }
    ],
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
