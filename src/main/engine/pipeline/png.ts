import { decode, encode } from 'fast-png'
import { RecipeSchema, type Recipe } from '../../../shared/generation'

/**
 * PNG with the recipe in its metadata: `cache-studio-recipe` holds the recipe as JSON (what the
 * app and CLI read back to reproduce an output) and `parameters` a one-line summary in the form
 * other image tools show. fast-png writes tEXt chunks, which are Latin-1: characters beyond it are
 * written as JSON \u escapes, so the JSON still parses to the exact prompt.
 */

export const RECIPE_KEY = 'cache-studio-recipe'
export const PARAMETERS_KEY = 'parameters'

export function encodePng(
  width: number,
  height: number,
  rgba: Uint8Array,
  recipe: Recipe
): Uint8Array<ArrayBuffer> {
  const text = { [RECIPE_KEY]: asciiJson(recipe), [PARAMETERS_KEY]: parametersLine(recipe) }
  return encode({ width, height, data: rgba, channels: 4, depth: 8, text }) as Uint8Array<ArrayBuffer>
}

/** The recipe stored in a PNG, or null when it has none (or a malformed one). */
export function readPngRecipe(png: Uint8Array): Recipe | null {
  const text = decode(png).text[RECIPE_KEY]
  if (text === undefined) return null
  try {
    const parsed = RecipeSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/** e.g. `a red circle\nNegative prompt: …\nSteps: 28, CFG scale: 4, Seed: 1, Model: shapes-…, Cache: F8B0` */
function parametersLine(r: Recipe): string {
  const lines = [r.prompt]
  if (r.negativePrompt) lines.push(`Negative prompt: ${r.negativePrompt}`)
  lines.push(
    `Steps: ${r.steps}, CFG scale: ${r.guidanceScale}, ${r.guidanceScale2 === undefined ? '' : `CFG scale 2: ${r.guidanceScale2}, `}Seed: ${r.seed}, Model: ${r.model}, Cache: ${r.preset}, ` +
      `Separate CFG: ${r.separateCfg}, Provider: ${r.provider}, Engine: cache-studio ${r.engineVersion}`
  )
  // Latin-1 only: anything else becomes '?' here; the exact text is in the recipe JSON.
  return lines.join('\n').replace(/[^\x20-\xff\n]/g, '?')
}
