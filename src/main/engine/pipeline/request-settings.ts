import type { CacheConfig } from '../../../shared/cache-config'
import { ENGINE_VERSION } from '../../../shared/engine-protocol'
import type { GenerateRequest, Recipe } from '../../../shared/generation'
import { resolveCacheConfig } from '../../../shared/presets'
import { EngineFailure } from '../errors'

/**
 * What every family pipeline reads of a request the same way: its cache config (preset and
 * overrides, refused as a bad request) and the recipe it records in the result's files.
 */

/** The request's cache preset with its overrides; a bad combination is the request's fault. */
export function requestCache(req: GenerateRequest): CacheConfig {
  try {
    return resolveCacheConfig(req.cache.preset, req.cache.overrides)
  } catch (e) {
    throw new EngineFailure('bad_request', `cache ${req.cache.preset}: ${(e as Error).message}`)
  }
}

/** A schedule (or another setting) the request's values make; its error is the request's fault. */
export function requestSetting<T>(make: () => T): T {
  try {
    return make()
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
}

/** The settings a family resolved from the request and its defaults. */
export interface RecipeSettings {
  negativePrompt: string
  steps: number
  guidanceScale: number
  separateCfg: boolean
  cache: CacheConfig
  width: number
  height: number
}

/** What some families add to the recipe, after the fields every family writes. */
export type RecipeExtra = Partial<
  Pick<Recipe, 'frames' | 'guidanceScale2' | 'promptEmbeds' | 'negativePromptEmbeds'>
>

/**
 * The recipe of a family's run, its fields in the order every family writes them (the PNG's
 * recipe text keeps that order); `extra` (a video's frames and second guidance, Qwen-Image's embedding files) last.
 */
export function familyRecipe(
  model: { id: string; name: string; provider: Recipe['provider'] },
  req: GenerateRequest,
  s: RecipeSettings,
  extra: RecipeExtra = {}
): Recipe {
  return {
    model: model.id,
    modelName: model.name,
    prompt: req.prompt,
    negativePrompt: s.negativePrompt,
    seed: req.seed,
    steps: s.steps,
    guidanceScale: s.guidanceScale,
    separateCfg: s.separateCfg,
    preset: req.cache.preset,
    cache: s.cache,
    provider: model.provider,
    engineVersion: ENGINE_VERSION,
    width: s.width,
    height: s.height,
    ...extra
  }
}

/** A family model's sampling defaults (what its diffusers pipeline's __call__ defaults to). */
export interface SamplingDefaults {
  steps: number
  guidanceScale: number
  negativePrompt: string
  width: number
  height: number
}

/** The request's sampling settings over the model's defaults (a family without a negative prompt: ''). */
export function requestSampling(
  req: GenerateRequest,
  d: Omit<SamplingDefaults, 'negativePrompt'> & { negativePrompt?: string }
): { steps: number; guidance: number; negativePrompt: string; width: number; height: number } {
  return {
    steps: req.steps ?? d.steps,
    guidance: req.guidanceScale ?? d.guidanceScale,
    negativePrompt: req.negativePrompt ?? d.negativePrompt ?? '',
    width: req.width ?? d.width,
    height: req.height ?? d.height
  }
}

/**
 * A family's cache config and the recipe that records it: the request's cache with the family's
 * CFG layout (`separateCfg`: CFG's branches as separate calls, each with its own cache state)
 * and block lists (a one-list family never merges; `mergeByDefault`, FLUX's two lists, merges
 * unless the request says not).
 */
export function familyCacheRecipe(
  model: Parameters<typeof familyRecipe>[0],
  req: GenerateRequest,
  s: Omit<RecipeSettings, 'cache'>,
  extra: RecipeExtra = {},
  mergeByDefault = false
): { cache: CacheConfig; recipe: Recipe } {
  const resolved = requestCache(req)
  const cache: CacheConfig = {
    ...resolved,
    mergeBlockLists: mergeByDefault ? (resolved.mergeBlockLists ?? true) : false,
    enableSeparateCfg: s.separateCfg
  }
  return { cache, recipe: familyRecipe(model, req, { ...s, cache }, extra) }
}
