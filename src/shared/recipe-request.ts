import type { GenerateRequestInput, Recipe } from './generation'
import { ProviderSchema } from './providers'

/**
 * The request that makes a recipe's output again: the one way back from a stored recipe to a
 * generate, for the gallery's re-run, the compare's uncached twin and `studio generate --from`.
 * The cache is the recipe's full resolved config as overrides on its preset, so a preset whose
 * defaults change later still reruns with the values the output was made with. A provider the
 * contract does not name (an older engine's) falls back to `auto`.
 */
export function requestFromRecipe(recipe: Recipe): GenerateRequestInput & { seed: number } {
  const provider = ProviderSchema.safeParse(recipe.provider)
  return {
    model: recipe.model,
    prompt: recipe.prompt,
    negativePrompt: recipe.negativePrompt,
    seed: recipe.seed,
    steps: recipe.steps,
    guidanceScale: recipe.guidanceScale,
    ...(recipe.guidanceScale2 !== undefined ? { guidanceScale2: recipe.guidanceScale2 } : {}),
    separateCfg: recipe.separateCfg,
    ...(recipe.width !== undefined && recipe.height !== undefined
      ? { width: recipe.width, height: recipe.height }
      : {}),
    ...(recipe.frames !== undefined ? { frames: recipe.frames } : {}),
    cache: { preset: recipe.preset, overrides: recipe.cache },
    provider: provider.success ? provider.data : 'auto'
  }
}
