import { randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readPngRecipe, RECIPE_KEY } from '../../main/engine/pipeline/png'
import { Engine, EngineFailure, sourceThreadEntry } from '../../main/engine/engine'
import {
  GenerateRequestSchema,
  MAX_SEED,
  type GenerateRequestInput,
  type Recipe
} from '../../shared/generation'
import { describeIssues } from '../../shared/validation'
import { CACHE_FLAG_OPTIONS, CACHE_FLAGS_HELP, cacheChoiceFromFlags, CacheFlagError } from '../cache-flags'
import { intFlag, numberFlag, parseFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs, pickModel } from '../models'
import { DEFAULT_OUT_DIR, writeOutputs } from '../outputs'
import { progressPrinter } from '../progress'

/** `studio generate`: one image or video from a prompt, written with its recipe. */

export const GENERATE_USAGE = `Usage: studio generate --prompt TEXT [options]
       studio generate --from OUTPUT.png [options]   (the recipe in its metadata; flags override it)
  --model ID|FOLDER      model id or package folder (default: the embedded shapes image model)
  --prompt TEXT          what to draw (required)
  --negative TEXT        negative prompt (default: the model's)
  --seed N               0..${MAX_SEED} (default: random, printed)
  --steps N              denoising steps (default: the model's)
  --guidance G           CFG scale (default: the model's; 1 = no CFG)
  --separate-cfg | --batched-cfg   CFG as two calls or one batched call (default: the model's)
  --out PATH             .png/.gif file, or a folder (default: ${DEFAULT_OUT_DIR}/)
  --provider P           auto|cpu|cuda|dml|coreml (default: auto)
  --models-dir DIR       also look for models here (repeatable)
${CACHE_FLAGS_HELP}`

const OPTIONS = {
  model: { type: 'string' },
  from: { type: 'string' },
  prompt: { type: 'string' },
  negative: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  'batched-cfg': { type: 'boolean' },
  out: { type: 'string' },
  provider: { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  ...CACHE_FLAG_OPTIONS
} as const

/** The recipe a generated PNG carries. */
function recipeOf(path: string): Recipe {
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

export async function generateCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, OPTIONS)
  if (values.help) {
    io.out(GENERATE_USAGE)
    return 0
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}" (flags take --name VALUE)`)
  const recipe = values.from === undefined ? null : recipeOf(values.from)
  const prompt = values.prompt ?? recipe?.prompt
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
  const seed = intFlag('seed', values.seed, 0, MAX_SEED) ?? recipe?.seed ?? randomInt(0, MAX_SEED)
  const cfgFlag = values['separate-cfg'] ? true : values['batched-cfg'] ? false : undefined
  const input: GenerateRequestInput = {
    model: '',
    prompt,
    negativePrompt: values.negative ?? recipe?.negativePrompt,
    seed,
    steps: intFlag('steps', values.steps, 1, 1000) ?? recipe?.steps,
    guidanceScale: numberFlag('guidance', values.guidance, 0, 50) ?? recipe?.guidanceScale,
    separateCfg: cfgFlag ?? recipe?.separateCfg,
    cache: recipe && !cacheFlagsGiven ? { preset: recipe.preset, overrides: recipe.cache } : cache,
    provider:
      values.provider === undefined && recipe ? providerFlag(recipe.provider) : providerFlag(values.provider)
  }
  const dirs = modelDirs(values['models-dir'] ?? [])
  input.model = await pickModel(values.model ?? recipe?.model, dirs)
  const parsed = GenerateRequestSchema.safeParse(input)
  if (!parsed.success) throw new UsageError(describeIssues('generate', parsed.error))
  const request = parsed.data

  const engine = await Engine.create({ modelDirs: dirs, thread: sourceThreadEntry() })
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  const progress = progressPrinter(io)
  try {
    const result = await engine.generate(request, {
      onProgress: progress.onProgress,
      signal: controller.signal
    })
    progress.done()
    const written = writeOutputs(result, values.out)
    const t = result.timings
    const perStep = t.perStepMs.reduce((a, b) => a + b, 0) / Math.max(1, t.perStepMs.length)
    const r = result.recipe
    io.out(
      `${r.model} seed ${r.seed}: ${result.width}×${result.height}${result.frames > 1 ? `×${result.frames}` : ''}, ` +
        `${r.steps} steps at ${perStep.toFixed(1)} ms/step (total ${(t.totalMs / 1000).toFixed(2)} s) on ${r.provider}, ` +
        `cache ${r.preset}: ${result.summary.blocksRun}/${result.summary.blocksTotal} blocks run`
    )
    for (const path of written) io.out(`wrote ${path}`)
    return 0
  } catch (e) {
    progress.done()
    if (e instanceof EngineFailure && e.code === 'cancelled') {
      io.err('studio generate: cancelled')
      return 130
    }
    throw e
  } finally {
    process.off('SIGINT', onSigint)
    await engine.dispose()
  }
}
