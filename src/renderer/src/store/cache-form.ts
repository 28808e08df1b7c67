import {
  checkBlockBudget,
  CacheConfigSchema,
  CacheOverridesSchema,
  type CacheConfig,
  type CacheConfigInput
} from '../../../shared/cache-config'
import { CACHE_FIELD_DOCS, TAYLORSEER_FIELD_DOCS } from '../../../shared/cache-config-docs'
import { contextLists } from '../../../shared/context-lists'
import { contextCrossReads } from '../../../shared/cross-block-reads'
import type { ModelInfo } from '../../../shared/manifest'

/**
 * The custom-preset form as data: one descriptor per knob of CacheConfig, the text the user typed
 * per field (drafts are strings, as inputs hold them), and the parse that turns drafts into
 * overrides with one error per field. The checks themselves are the shared zod schemas: the form
 * only converts text to values and files each issue under its field.
 */

type TopKey = Exclude<keyof CacheConfig, 'taylorSeer'>
type TaylorKey = `taylorSeer.${keyof CacheConfig['taylorSeer']}`
export type CacheFieldKey = TopKey | TaylorKey

export type CacheFieldKind =
  | { type: 'int' }
  | { type: 'float' }
  /** A number or empty (null). */
  | { type: 'optional-number'; integer: boolean }
  | { type: 'bool' }
  /** Auto (null), on, off. */
  | { type: 'tristate' }
  | { type: 'enum'; options: readonly string[] }
  /** A comma-separated list of 0/1, or empty (null). */
  | { type: 'mask' }

export interface CacheField {
  key: CacheFieldKey
  label: string
  kind: CacheFieldKind
  doc: string
  group: 'DBCache' | 'Warmup & limits' | 'CFG & contexts' | 'Schedule' | 'TaylorSeer'
}

const field = (key: TopKey, label: string, kind: CacheFieldKind, group: CacheField['group']): CacheField => ({
  key,
  label,
  kind,
  group,
  doc: CACHE_FIELD_DOCS[key]
})
const taylor = (key: keyof CacheConfig['taylorSeer'], label: string, kind: CacheFieldKind): CacheField => ({
  key: `taylorSeer.${key}`,
  label,
  kind,
  group: 'TaylorSeer',
  doc: TAYLORSEER_FIELD_DOCS[key]
})

export const CACHE_FIELDS: readonly CacheField[] = [
  field('enabled', 'Enabled', { type: 'bool' }, 'DBCache'),
  field('Fn', 'Fn (front blocks)', { type: 'int' }, 'DBCache'),
  field('Bn', 'Bn (back blocks)', { type: 'int' }, 'DBCache'),
  field('residualDiffThreshold', 'Threshold', { type: 'float' }, 'DBCache'),
  field(
    'maxAccumulatedResidualDiffThreshold',
    'Diff budget',
    { type: 'optional-number', integer: false },
    'DBCache'
  ),
  field('downsampleFactor', 'Downsample', { type: 'int' }, 'DBCache'),
  field('maxWarmupSteps', 'Warmup steps', { type: 'int' }, 'Warmup & limits'),
  field('warmupInterval', 'Warmup interval', { type: 'int' }, 'Warmup & limits'),
  field('maxCachedSteps', 'Max cached', { type: 'int' }, 'Warmup & limits'),
  field('maxContinuousCachedSteps', 'Max in a row', { type: 'int' }, 'Warmup & limits'),
  field('enableSeparateCfg', 'Separate CFG', { type: 'tristate' }, 'CFG & contexts'),
  field('cfgDiffComputeSeparate', 'Uncond own diff', { type: 'bool' }, 'CFG & contexts'),
  field('mergeBlockLists', 'Merge block lists', { type: 'tristate' }, 'CFG & contexts'),
  field('stepsComputationMask', 'Computation mask (per step)', { type: 'mask' }, 'Schedule'),
  field(
    'stepsComputationPolicy',
    'Mask policy',
    { type: 'enum', options: ['dynamic', 'static'] },
    'Schedule'
  ),
  field('forceRefreshStepHint', 'Refresh at call', { type: 'optional-number', integer: true }, 'Schedule'),
  field(
    'forceRefreshStepPolicy',
    'Refresh policy',
    { type: 'enum', options: ['once', 'repeat'] },
    'Schedule'
  ),
  taylor('enabled', 'TaylorSeer', { type: 'bool' }),
  taylor('order', 'Taylor order', { type: 'int' }),
  taylor('encoder', 'Forecast encoder', { type: 'bool' }),
  taylor('cacheType', 'Forecast target', { type: 'enum', options: ['residual', 'hidden_states'] })
]

export type CacheDraft = Record<CacheFieldKey, string>
export type CacheFieldErrors = Partial<Record<CacheFieldKey | 'config', string>>

function readKey(config: CacheConfig, key: CacheFieldKey): unknown {
  if (key.startsWith('taylorSeer.'))
    return config.taylorSeer[key.slice(11) as keyof CacheConfig['taylorSeer']]
  return config[key as TopKey]
}

/** The text a config shows in the form: numbers as typed, null as empty, booleans as words. */
export function draftFromConfig(config: CacheConfig): CacheDraft {
  const draft = {} as CacheDraft
  for (const f of CACHE_FIELDS) {
    const v = readKey(config, f.key)
    if (f.kind.type === 'tristate') draft[f.key] = v === null ? 'auto' : String(v)
    else if (Array.isArray(v)) draft[f.key] = v.join(',')
    else draft[f.key] = v === null ? '' : String(v)
  }
  return draft
}

/** The library defaults, the custom form's starting point. */
export const DEFAULT_CACHE_DRAFT: CacheDraft = draftFromConfig(CacheConfigSchema.parse({}))

type Parsed = { value: unknown } | { error: string }

function parseField(f: CacheField, text: string): Parsed {
  const t = text.trim()
  switch (f.kind.type) {
    case 'int':
    case 'float':
      if (t === '') return { error: 'required' }
      return Number.isFinite(Number(t)) ? { value: Number(t) } : { error: `"${t}" is not a number` }
    case 'optional-number':
      if (t === '') return { value: null }
      return Number.isFinite(Number(t)) ? { value: Number(t) } : { error: `"${t}" is not a number` }
    case 'bool':
      return { value: t === 'true' }
    case 'tristate':
      return { value: t === 'auto' ? null : t === 'true' }
    case 'enum':
      return { value: t }
    case 'mask': {
      if (t === '') return { value: null }
      const parts = t.split(/[\s,]+/).filter((p) => p !== '')
      if (parts.some((p) => p !== '0' && p !== '1')) return { error: 'use only 0 and 1, separated by commas' }
      return { value: parts.map(Number) }
    }
  }
}

export interface CacheFormResult {
  /** The overrides to send with preset `custom`; null while any field is invalid. */
  overrides: CacheConfigInput | null
  errors: CacheFieldErrors
}

/**
 * Drafts → overrides, checked by CacheOverridesSchema field by field, then against the model's
 * block lists (Fn + Bn must fit). Errors are keyed by field so the form shows each beside its input.
 */
export function parseCacheDraft(
  draft: CacheDraft,
  model?: Pick<ModelInfo, 'transformers'> | null
): CacheFormResult {
  const errors: CacheFieldErrors = {}
  const top: Record<string, unknown> = {}
  const taylorSeer: Record<string, unknown> = {}
  for (const f of CACHE_FIELDS) {
    const parsed = parseField(f, draft[f.key] ?? '')
    if ('error' in parsed) {
      errors[f.key] = parsed.error
      continue
    }
    if (f.key.startsWith('taylorSeer.')) taylorSeer[f.key.slice(11)] = parsed.value
    else top[f.key] = parsed.value
  }
  const candidate = { ...top, taylorSeer }
  const checked = CacheOverridesSchema.safeParse(candidate)
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const key = (issue.path.length > 0 ? issue.path.map(String).join('.') : 'config') as
        CacheFieldKey | 'config'
      errors[key] ??= issue.message
    }
  }
  if (Object.keys(errors).length > 0) return { overrides: null, errors }
  const config = CacheConfigSchema.parse(candidate)
  const budget = model ? blockBudgetError(config, model) : null
  if (budget) return { overrides: null, errors: { [budget.field]: budget.message } }
  return { overrides: candidate as CacheConfigInput, errors: {} }
}

function blockBudgetError(
  config: CacheConfig,
  model: Pick<ModelInfo, 'transformers'>
): { field: 'Fn' | 'Bn'; message: string } | null {
  const message = blockBudgetProblem(config, model)
  return message ? { field: message.startsWith('Fn =') ? 'Fn' : 'Bn', message } : null
}

/**
 * Fn + Bn must fit the block lists the cache wraps. Lists are checked one by one only when the
 * config says not to merge them; with `auto` the model's hint is not known here, so the merged
 * count is used (never refusing what the engine would accept; it has the last word).
 */
export function blockBudgetProblem(
  config: CacheConfig,
  model: Pick<ModelInfo, 'transformers'>
): string | null {
  for (const t of model.transformers) {
    const merged = config.mergeBlockLists !== false
    const lists = contextLists(t.blockLists, merged).map((c) => ({
      name: merged ? t.name : `${t.name}/${c.name}`,
      blocks: c.blocks
    }))
    for (const list of lists) {
      const message = checkBlockBudget(config, list.blocks, list.name)
      if (message) return message
    }
    const cross = crossReadProblem(config, t)
    if (cross) return cross
  }
  return null
}

/**
 * An imported model's cross-block reads (shared/cross-block-reads.ts) under this config. Whether
 * the engine merges the lists depends on the family (FLUX does by default, the others never), so
 * unless the config says `false` a config is refused only where both ways refuse it; and the
 * engine's segment length is not known here, so ranges count as one piece. The engine has the
 * last word.
 */
function crossReadProblem(config: CacheConfig, t: ModelInfo['transformers'][number]): string | null {
  const reads = t.crossBlockReads ?? []
  if (reads.length === 0) return null
  const check = (merged: boolean): string | null => {
    const contexts = contextLists(t.blockLists, merged)
    const byContext = contextCrossReads(t.blockLists, merged, reads)
    for (const [i, c] of contexts.entries()) {
      const layout = { reads: byContext[i], perBlock: false, maxSegmentBlocks: Infinity }
      const message = checkBlockBudget(config, c.blocks, `${t.name}/${c.name}`, layout)
      if (message) return message
    }
    return null
  }
  if (config.mergeBlockLists === false) return check(false)
  const merged = check(true)
  return merged !== null && check(false) !== null ? merged : null
}
