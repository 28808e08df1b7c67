import type { CacheConfig } from '../../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../../shared/engine-protocol'
import type { GenerateRequest, GenerationResult, Recipe } from '../../../../shared/generation'
import { resolveCacheConfig } from '../../../../shared/presets'
import { EngineFailure } from '../../errors'
import { tensor } from '../../tensor'
import { toFrames } from '../decode'
import type { StepReport } from '../denoise'
import { stepProgress } from '../step-progress'
import { flowMatchSchedule } from '../flow-match'
import type { PipelineHooks } from '../generate'
import { gaussianNoise } from '../noise'
import { encodePng } from '../png'
import { latentSize, packLatents, vaeScaleFactor } from './latents'
import type { FluxModel } from './model'
import { encodeFlux, fluxDecode, fluxDenoise, tokenizeFlux } from './run'

/**
 * A generate request on a FLUX model, as FluxPipeline's __call__ reads: settings (size per
 * request, a multiple of VAE scale · 2) → prompt encoding → seeded noise in the unpacked latent's
 * layout, packed → schedule with the dynamic shift of this size → denoising loop → decode.
 * The request's guidance is the distilled guidance embedding: one transformer call per step.
 */

export async function runFluxPipeline(
  model: FluxModel,
  req: GenerateRequest,
  hooks: PipelineHooks
): Promise<GenerationResult> {
  const t0 = performance.now()
  // 1. Settings.
  const steps = req.steps ?? model.defaults.steps
  const guidance = req.guidanceScale ?? model.defaults.guidanceScale
  const width = req.width ?? model.defaults.width
  const height = req.height ?? model.defaults.height
  checkSize(model, width, height)
  let resolved: CacheConfig
  try {
    resolved = resolveCacheConfig(req.cache.preset, req.cache.overrides)
  } catch (e) {
    throw new EngineFailure('bad_request', `cache ${req.cache.preset}: ${(e as Error).message}`)
  }
  // CacheDiT's Flux adapter caches the double- and single-stream lists as one (F8B0 counts both).
  const cache: CacheConfig = {
    ...resolved,
    mergeBlockLists: resolved.mergeBlockLists ?? true,
    enableSeparateCfg: false
  }
  const recipe: Recipe = {
    model: model.id,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt: '',
    seed: req.seed,
    steps,
    guidanceScale: guidance,
    separateCfg: false,
    preset: req.cache.preset,
    cache,
    provider: model.provider,
    engineVersion: ENGINE_VERSION,
    width,
    height
  }

  // 2. Prompt: CLIP pooled and T5 states.
  const tEncode = performance.now()
  const text = await encodeFlux(model, tokenizeFlux(model, req.prompt), hooks.beforeCall)
  const encodeMs = performance.now() - tEncode

  // 3. Noise drawn in the VAE latent's layout [1, C, h, w] (as randn_tensor), then packed.
  const latent = latentSize(width, height, vaeScaleFactor(model.configs.vae.block_out_channels))
  const C = model.configs.transformer.in_channels / 4
  const count = C * latent.h * latent.w
  if (hooks.noise && hooks.noise.length !== count)
    throw new Error(
      `the injected noise has ${hooks.noise.length} values, a ${width}×${height} latent ${count}`
    )
  const noise = packLatents(
    tensor(hooks.noise ? Float32Array.from(hooks.noise) : gaussianNoise(req.seed, count), [
      1,
      C,
      latent.h,
      latent.w
    ])
  )
  const schedule = flowMatchSchedule(model.configs.scheduler, steps, noise.dims[1])

  // 4. Denoising loop through the step cache, on warm sessions.
  const perStepMs: number[] = []
  let tDenoise = 0
  const onStep = async (r: StepReport) => {
    perStepMs.push(r.stepMs)
    if (!hooks.onProgress) return
    hooks.onProgress(
      await stepProgress(r, tDenoise, req.previewEvery, () => preview(model, r, latent, hooks))
    )
  }
  const tStart = performance.now()
  const denoised = await fluxDenoise(
    model,
    { text, noise, latent, schedule, guidance, cache },
    {
      createStepCache: hooks.createStepCache,
      beforeCall: hooks.beforeCall,
      warm: true,
      onStep: (r) => {
        if (r.step === 0) tDenoise = performance.now() - r.stepMs
        return onStep(r)
      }
    }
  )
  const denoiseMs = perStepMs.reduce((a, b) => a + b, 0)
  const previewMs = Math.max(0, performance.now() - tStart - denoised.prepareMs - denoiseMs)

  // 5. Decode and encode the PNG with the recipe.
  const tDecode = performance.now()
  const { image } = await fluxDecode(model, denoised.latent, latent, hooks.beforeCall)
  hooks.onDecoded?.(denoised.latent, image)
  const frames = toFrames(image, false)
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

function checkSize(model: FluxModel, width: number, height: number): void {
  const { multipleOf, max } = model.sizes
  for (const [name, v] of [
    ['width', width],
    ['height', height]
  ] as const) {
    if (v % multipleOf !== 0 || v < multipleOf || v > max)
      throw new EngineFailure(
        'bad_request',
        `${name} ${v}: ${model.id} makes images whose sides are multiples of ${multipleOf} up to ${max}`
      )
  }
}

/** The predicted clean sample x0 = x − σ·v, decoded: what the image is becoming. */
async function preview(
  model: FluxModel,
  r: StepReport,
  latent: { h: number; w: number },
  hooks: PipelineHooks
) {
  const x0 = new Float32Array(r.latent.data.length)
  for (let i = 0; i < x0.length; i++) x0[i] = r.latent.data[i] - r.sigma * r.velocity.data[i]
  const { image } = await fluxDecode(model, tensor(x0, r.latent.dims), latent, hooks.beforeCall)
  const frames = toFrames(image, false)
  return { width: frames.width, height: frames.height, pixels: frames.pixels }
}
