import type { ParseArgsConfig } from 'node:util'
import { CacheOverridesSchema, type CacheConfigInput } from '../shared/cache-config'
import type { CacheChoice } from '../shared/generation'
import { PRESET_IDS, resolveCacheConfig, type PresetId } from '../shared/presets'

/**
 * The cache flags of `studio generate` / `studio bench`: a preset (`--cache`) and flags that
 * override single fields on top of it. Parsing gives a `CacheChoice`, validated by the same zod
 * schema as the app's form, with one-line errors that name the flag.
 */

export const CACHE_FLAG_OPTIONS = {
  cache: { type: 'string' },
  fn: { type: 'string' },
  bn: { type: 'string' },
  threshold: { type: 'string' },
  warmup: { type: 'string' },
  'max-cached': { type: 'string' },
  'max-continuous': { type: 'string' },
  'taylorseer-order': { type: 'string' },
  // Also runs CFG as two calls (generate's --batched-cfg is the opposite): the cache keeps
  // separate state for the branches exactly when the pipeline makes separate calls.
  'separate-cfg': { type: 'boolean' }
} as const satisfies NonNullable<ParseArgsConfig['options']>

export const CACHE_FLAGS_HELP = `Cache:
  --cache none|F8B0|F8B8-taylorseer|F1B0|custom   preset (default: none; custom if only field flags are given)
  --fn N                 front blocks always computed (Fn ≥ 1)
  --bn N                 back blocks always computed (Bn ≥ 0)
  --threshold R          residual diff threshold: cache when the relative L1 distance < R (≤ 0 never caches)
  --warmup N             steps 0..N−1 always computed
  --max-cached N         at most N cached steps per branch (--max-cached=-1: unlimited)
  --max-continuous N     at most N cached steps in a row (--max-continuous=-1: unlimited)
  --taylorseer-order K   forecast the cached residual with TaylorSeer of order K ("off" disables it)`

export type CacheFlagValues = {
  [K in keyof typeof CACHE_FLAG_OPTIONS]?: (typeof CACHE_FLAG_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string
}

/** A bad cache flag; the message is one line and names the flag. */
export class CacheFlagError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CacheFlagError'
  }
}

/** Config field → the flag that sets it, to name flags in validation errors. */
const FLAG_OF: Record<string, string> = {
  Fn: '--fn',
  Bn: '--bn',
  residualDiffThreshold: '--threshold',
  maxWarmupSteps: '--warmup',
  maxCachedSteps: '--max-cached',
  maxContinuousCachedSteps: '--max-continuous',
  taylorSeer: '--taylorseer-order',
  enableSeparateCfg: '--separate-cfg'
}

export function cacheChoiceFromFlags(v: CacheFlagValues): CacheChoice {
  const overrides: CacheConfigInput = {}
  if (v.fn !== undefined) overrides.Fn = integer('--fn', v.fn)
  if (v.bn !== undefined) overrides.Bn = integer('--bn', v.bn)
  if (v.threshold !== undefined) overrides.residualDiffThreshold = decimal('--threshold', v.threshold)
  if (v.warmup !== undefined) overrides.maxWarmupSteps = integer('--warmup', v.warmup)
  if (v['max-cached'] !== undefined) overrides.maxCachedSteps = integer('--max-cached', v['max-cached'])
  if (v['max-continuous'] !== undefined) {
    overrides.maxContinuousCachedSteps = integer('--max-continuous', v['max-continuous'])
  }
  const order = v['taylorseer-order']
  if (order !== undefined) {
    overrides.taylorSeer =
      order === 'off' ? { enabled: false } : { enabled: true, order: integer('--taylorseer-order', order) }
  }
  if (v['separate-cfg']) overrides.enableSeparateCfg = true

  // --separate-cfg is about how CFG runs, not a request for a cache.
  const fieldFlags = Object.keys(overrides).filter((k) => k !== 'enableSeparateCfg')
  const preset = presetFlag(v.cache, fieldFlags.length > 0)
  const parsed = CacheOverridesSchema.safeParse(overrides)
  if (!parsed.success) throw new CacheFlagError(describe(parsed.error.issues))
  try {
    resolveCacheConfig(preset, parsed.data)
  } catch (e) {
    const issues = (e as { issues?: Issue[] }).issues
    throw new CacheFlagError(issues ? describe(issues) : (e as Error).message)
  }
  return { preset, overrides: parsed.data }
}

function presetFlag(value: string | undefined, hasOverrides: boolean): PresetId {
  // Field flags alone mean "the library defaults plus these", not "no cache".
  if (value === undefined) return hasOverrides ? 'custom' : 'none'
  const id = PRESET_IDS.find((p) => p.toLowerCase() === value.toLowerCase())
  if (!id) throw new CacheFlagError(`--cache: unknown preset "${value}" (one of ${PRESET_IDS.join(', ')})`)
  return id
}

function integer(flag: string, text: string): number {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new CacheFlagError(`${flag}: expected an integer, got "${text}"`)
  return Number(text)
}

function decimal(flag: string, text: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n))
    throw new CacheFlagError(`${flag}: expected a number, got "${text}"`)
  return n
}

interface Issue {
  path: readonly PropertyKey[]
  message: string
}

function describe(issues: readonly Issue[]): string {
  const first = issues[0]
  const field = String(first.path[0] ?? '')
  return `${FLAG_OF[field] ?? (field || 'cache')}: ${first.message}`
}
