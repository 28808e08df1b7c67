import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createStepCache } from '../../main/engine/cache/index'
import { EngineFailure } from '../../main/engine/errors'
import { resolveModel } from '../../main/engine/model/registry'
import type { ReferenceContext } from '../../main/engine/replay/golden'
import type { ReplayContext, ReplayHooks, ReplayRun } from '../../main/engine/replay/replay'
import type { Provider } from '../../shared/providers'
import { intFlag, providerFlag } from '../flags'
import type { CliIO } from '../io'
import { modelDirs } from '../models'

/**
 * What every family's `studio replay` does alike (replay.ts dispatches by the golden's family):
 * read the golden, find and load the model with the replay flags, print the header, release the
 * model whatever happens; and the printout of each run and of the checks.
 */

export interface ReplayFlags {
  model: string
  json?: boolean
  provider?: string
  threads?: string
  'models-dir'?: string[]
}

export interface ReplayLoadOptions {
  provider: Provider
  tuning: { intraOpThreads: number }
}

interface ReplayModel {
  name: string
  provider: string
  release(): Promise<void>
}

export interface ReplayFamily<G, M extends ReplayModel> {
  /** The family's golden reader: what it refuses is the request's fault (bad_request). */
  readGolden(dir: string): Promise<G>
  load(dir: string, options: ReplayLoadOptions): Promise<M>
  /** Whether --model names a model folder itself (default: a diffusers folder, model_index.json). */
  isModelFolder?(dir: string): boolean
  /** Said after the model in the header (Qwen-Image: where its prompt embeddings come from). */
  note?(model: M): string
}

/**
 * Reads the golden, loads the model (the folder --model names, else the model of that id),
 * prints `replay DIR / on MODEL (PROVIDER)` unless --json, and hands both to `replay`, whose
 * result is the exit code; the model is released after, whatever happens.
 */
export async function runReplay<G, M extends ReplayModel>(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  family: ReplayFamily<G, M>,
  replay: (model: M, golden: G) => Promise<number>
): Promise<number> {
  let golden: G
  try {
    golden = await family.readGolden(goldenDir)
  } catch (e) {
    throw new EngineFailure('bad_request', (e as Error).message)
  }
  const intraOpThreads = intFlag('threads', values.threads, 0, 256) ?? 0
  const given = resolve(values.model)
  const isFolder = family.isModelFolder ?? ((dir: string) => existsSync(join(dir, 'model_index.json')))
  const dir = isFolder(given)
    ? given
    : await resolveModel(values.model, modelDirs(values['models-dir'] ?? []))
  const model = await family.load(dir, {
    provider: providerFlag(values.provider),
    tuning: { intraOpThreads }
  })
  try {
    if (!values.json) {
      const note = family.note ? `; ${family.note(model)}` : ''
      io.out(`replay ${goldenDir}\n  on ${model.name} (${model.provider})${note}`)
    }
    return await replay(model, golden)
  } finally {
    await model.release()
  }
}

/** Which of the engine's cache contexts stands for a CacheDiT one. */
export type ContextMatch = (own: ReplayContext, ref: ReferenceContext) => boolean

/** The same transformer and CFG branch (Wan: an expert and a branch per context). */
export const sameTransformerAndBranch: ContextMatch = (own, ref) =>
  own.transformer === ref.transformer && own.branch === ref.branch

function matching(
  contexts: readonly ReplayContext[],
  ref: ReferenceContext,
  match: ContextMatch
): ReplayContext | null {
  return contexts.find((c) => match(c, ref)) ?? null
}

/** Whether each CacheDiT context of the run has an engine context that cached the same steps. */
export function sameCachedSteps(run: ReplayRun, match: ContextMatch): boolean {
  return run.reference.contexts.every((ref) => {
    const own = matching(run.contexts, ref, match)
    return own !== null && own.cachedSteps.join() === ref.cachedSteps.join()
  })
}

/**
 * One run: its final latents' (and decoded `media`'s) max |Δ| from the golden, then per CacheDiT
 * context the cached steps beside CacheDiT's and each step's residual diff beside CacheDiT's.
 */
export function printRun(run: ReplayRun, io: CliIO, media: 'image' | 'frames', match: ContextMatch): void {
  const decoded = run.imageMaxAbsDiff === null ? '' : `, ${media} ${run.imageMaxAbsDiff.toExponential(2)}`
  io.out(`  ${run.name}: final latents max |Δ| ${run.latentMaxAbsDiff.toExponential(2)}${decoded}`)
  for (const ref of run.reference.contexts) {
    const own = matching(run.contexts, ref, match)
    const ownSteps = own ? `[${own.cachedSteps.join(', ')}]` : '(no context)'
    const same = own !== null && own.cachedSteps.join() === ref.cachedSteps.join()
    io.out(
      `    ${own?.transformer ?? ref.transformer}/${ref.branch}: cached steps ${ownSteps}, CacheDiT [${ref.cachedSteps.join(', ')}] ${same ? 'same' : 'DIFFER'}`
    )
    const steps = [...new Set([...Object.keys(ref.residualDiffs), ...Object.keys(own?.residualDiffs ?? {})])]
    steps.sort((a, b) => Number(a) - Number(b))
    io.out('      step  residual diff  CacheDiT')
    for (const s of steps)
      io.out(
        `      ${s.padStart(4)}  ${fmt(own?.residualDiffs[s]).padStart(13)}  ${fmt(ref.residualDiffs[s])}`
      )
  }
}

function fmt(v: number | undefined): string {
  return v === undefined ? '—' : v.toFixed(6)
}

/**
 * How the family's text goes in: the ids of several tokenizers (FLUX: CLIP + T5; SD3: two CLIPs
 * + T5), or one tokenizer's ids and attention mask (T5 alone: PixArt-Σ, Wan).
 */
export type ReplayTokens = 'ids of several tokenizers' | 'ids and mask of one tokenizer'

/**
 * The checks every pipeline replay makes: the engine's tokenization against the golden's ids
 * (null: none saved), its prompt embeddings (absent: not compared; null: none saved) and its
 * sigmas against diffusers'.
 */
export function printChecks(
  io: CliIO,
  tokens: ReplayTokens,
  c: { tokenIdsMatch: boolean | null; embedsMaxAbsDiff?: number | null; sigmaMaxAbsDiff: number }
): void {
  if (c.tokenIdsMatch !== null) {
    const [what, gives] =
      tokens === 'ids of several tokenizers'
        ? ['token ids', "the tokenizers give the golden's"]
        : ['token ids and masks', "the tokenizer gives the golden's"]
    io.out(`  ${what}: ${c.tokenIdsMatch ? gives : "DIFFER from the golden's (its ids were used)"}`)
  }
  if (c.embedsMaxAbsDiff !== undefined && c.embedsMaxAbsDiff !== null)
    io.out(`  prompt embeddings: max |Δ| ${c.embedsMaxAbsDiff.toExponential(2)} from diffusers'`)
  io.out(`  schedule: sigmas max |Δ| ${c.sigmaMaxAbsDiff.toExponential(2)} from diffusers'`)
}

/**
 * `studio replay` of a pipeline golden with one uncached run (SD3, PixArt-Σ): `{runs}` with
 * --json, else the run and the checks. Exit 0: there are no cached steps to differ.
 */
export function uncachedReplay<G, M extends ReplayModel>(
  goldenDir: string,
  values: ReplayFlags,
  io: CliIO,
  family: ReplayFamily<G, M> & {
    replay(
      model: M,
      golden: G,
      hooks: ReplayHooks
    ): Promise<{ runs: ReplayRun[]; checks: Parameters<typeof printChecks>[2] }>
    tokens: ReplayTokens
  }
): Promise<number> {
  return runReplay(goldenDir, values, io, family, async (model, golden) => {
    const result = await family.replay(model, golden, { createStepCache })
    if (values.json) {
      io.out(JSON.stringify({ runs: result.runs }, null, 2))
      return 0
    }
    for (const run of result.runs) printRun(run, io, 'image', sameTransformerAndBranch)
    printChecks(io, family.tokens, result.checks)
    return 0
  })
}
