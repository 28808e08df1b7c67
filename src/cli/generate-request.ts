import { randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { readPngRecipe, RECIPE_KEY } from '../main/engine/pipeline/png'
import { requestFromRecipe } from '../shared/recipe-request'
import type { ModelDirs } from '../main/engine/model/registry'
import {
  GenerateRequestSchema,
  MAX_SEED,
  type GenerateRequest,
  type GenerateRequestInput,
  type Recipe
} from '../shared/generation'
import { describeIssues } from '../shared/validation'
import { CACHE_FLAG_OPTIONS, cacheChoiceFromFlags, CacheFlagError, type CacheFlagValues } from './cache-flags'
import { intFlag, numberFlag, providerFlag } from './flags'
import { UsageError } from './io'
import { modelDirs, pickModel } from './models'

/**
 * `studio generate`'s flags → a validated GenerateRequest. With `--from OUTPUT.png` the recipe in
 * the PNG fills every setting, and flags given beside it override single fields.
 */

export const GENERATE_OPTIONS = {
  model: { type: 'string' },
  from: { type: 'string' },
  prompt: { type: 'string' },
  negative: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  'guidance-2': { type: 'string' },
  frames: { type: 'string' },
  'prompt-embeds': { type: 'string' },
  'negative-prompt-embeds': { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  'batched-cfg': { type: 'boolean' },
  out: { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  ...CACHE_FLAG_OPTIONS
} as const

/** The recipe a generated PNG carries. */
export function recipeOf(path: string): Recipe {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw new UsageError(
      `--from: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
    )
  }
  let recipe: Recipe | null
  try {
    recipe = readPngRecipe(bytes)
  } catch (e) {
    throw new UsageError(`--from: ${path} is not a PNG (${(e as Error).message})`)
  }
  if (!recipe) throw new UsageError(`--from: ${path} has no ${RECIPE_KEY} metadata`)
  return recipe
}

export type GenerateFlagValues = CacheFlagValues & {
  model?: string
  from?: string
  prompt?: string
  negative?: string
  seed?: string
  steps?: string
  guidance?: string
  'guidance-2'?: string
  frames?: string
  'prompt-embeds'?: string
  'negative-prompt-embeds'?: string
  width?: string
  height?: string
  'batched-cfg'?: boolean
  provider?: string
  'models-dir'?: string[]
}

export async function requestFromFlags(
  values: GenerateFlagValues
): Promise<{ request: GenerateRequest; dirs: ModelDirs }> {
  const recipe = values.from === undefined ? null : recipeOf(values.from)
  // The recipe's own request (shared/recipe-request.ts, as the app's re-run), under the flags given.
  const again = recipe ? requestFromRecipe(recipe) : null
  const embeds = values['prompt-embeds']
  const negativeEmbeds = values['negative-prompt-embeds']
  if (negativeEmbeds !== undefined && embeds === undefined)
    throw new UsageError('--negative-prompt-embeds needs --prompt-embeds')
  // Precomputed embeddings stand for the prompt: its text is then optional (recorded as given).
  const prompt = values.prompt ?? again?.prompt ?? (embeds === undefined ? undefined : '')
  if (prompt === undefined) throw new UsageError('--prompt is required')
  if (values['separate-cfg'] && values['batched-cfg']) {
    throw new UsageError('--separate-cfg and --batched-cfg contradict each other')
  }
  let cache
  try {
    cache = cacheChoiceFromFlags(values)
  } catch (e) {
    if (e instanceof CacheFlagError) throw new UsageError(e.message)
    throw e
  }
  const cacheFlagsGiven = Object.keys(CACHE_FLAG_OPTIONS).some((k) => k in values && k !== 'separate-cfg')
  const seed = intFlag('seed', values.seed, 0, MAX_SEED) ?? again?.seed ?? randomInt(0, MAX_SEED)
  const cfgFlag = values['separate-cfg'] ? true : values['batched-cfg'] ? false : undefined
  const input: GenerateRequestInput = {
    model: '',
    prompt,
    negativePrompt: values.negative ?? again?.negativePrompt,
    seed,
    steps: intFlag('steps', values.steps, 1, 1000) ?? again?.steps,
    guidanceScale: numberFlag('guidance', values.guidance, 0, 50) ?? again?.guidanceScale,
    guidanceScale2: numberFlag('guidance-2', values['guidance-2'], 0, 50) ?? again?.guidanceScale2,
    width: intFlag('width', values.width, 1, 65536) ?? again?.width,
    height: intFlag('height', values.height, 1, 65536) ?? again?.height,
    frames: intFlag('frames', values.frames, 1, 4096) ?? again?.frames,
    separateCfg: cfgFlag ?? again?.separateCfg,
    // Absolute: the engine may run in another process with another working folder.
    promptEmbeds: embeds === undefined ? undefined : { file: resolve(embeds) },
    negativePromptEmbeds: negativeEmbeds === undefined ? undefined : { file: resolve(negativeEmbeds) },
    cache: again && !cacheFlagsGiven ? again.cache : cache,
    provider: values.provider === undefined && again ? again.provider : providerFlag(values.provider)
  }
  const dirs = modelDirs(values['models-dir'] ?? [])
  input.model = await pickModel(values.model ?? again?.model, dirs)
  const parsed = GenerateRequestSchema.safeParse(input)
  if (!parsed.success) throw new UsageError(describeIssues('generate', parsed.error))
  const request = parsed.data

  return { request, dirs }
}
