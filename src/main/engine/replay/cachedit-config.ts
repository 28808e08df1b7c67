import { CacheConfigSchema, type CacheConfig } from '../../../shared/cache-config'

/**
 * CacheDiT's DBCacheConfig as its repr prints it (`DBCacheConfig(cache_type=<CacheType.DBCache:
 * 'DBCache'>, Fn_compute_blocks=1, …)`, saved in a golden's manifest) → the engine's CacheConfig,
 * field for field (docs/cache-algorithm.md §1 names the pairs). A field the engine has no
 * counterpart for, set to anything but its neutral value, is refused: replaying another config
 * than CacheDiT ran would compare different things.
 */

type PyValue = number | string | boolean | null

export function parseCacheDitConfig(repr: string, mergeBlockLists: boolean): CacheConfig {
  const m = /^\s*DBCacheConfig\((.*)\)\s*$/s.exec(repr)
  if (!m) throw new Error(`cache config "${repr.slice(0, 60)}" is not a DBCacheConfig(...)`)
  const fields = new Map<string, PyValue>()
  for (const [, key, raw] of m[1].matchAll(/(\w+)=(<[^>]*>|'[^']*'|\[[^\]]*\]|[^,]+)/g)) {
    fields.set(key, pyValue(raw.trim()))
  }
  const get = (key: string): PyValue => {
    if (!fields.has(key)) throw new Error(`cache config has no ${key}`)
    return fields.get(key) as PyValue
  }
  const cacheType = String(fields.get('cache_type') ?? 'DBCache')
  if (!cacheType.includes('DBCache')) throw new Error(`cache_type ${cacheType} is not DBCache`)
  const neutral: [string, PyValue][] = [['cfg_compute_first', false]]
  for (const [key, value] of neutral) {
    if (fields.has(key) && fields.get(key) !== value)
      throw new Error(
        `cache config sets ${key}=${String(fields.get(key))}, which the engine does not implement`
      )
  }
  if (fields.has('steps_computation_mask') && fields.get('steps_computation_mask') !== null)
    throw new Error('cache config sets steps_computation_mask, which replay does not read')
  const num = (key: string): number => {
    const v = get(key)
    if (typeof v !== 'number') throw new Error(`cache config ${key}=${String(v)} is not a number`)
    return v
  }
  const orNull = (key: string): number | null => ((fields.get(key) ?? null) === null ? null : num(key))
  const bool = (key: string, fallback: boolean): boolean => {
    const v = fields.has(key) ? fields.get(key) : fallback
    if (typeof v !== 'boolean') throw new Error(`cache config ${key}=${String(v)} is not True/False`)
    return v
  }
  const policy = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = fields.has(key) ? fields.get(key) : fallback
    if (!allowed.includes(v as T))
      throw new Error(`cache config ${key}=${String(v)} is not one of ${allowed.join(', ')}`)
    return v as T
  }
  return CacheConfigSchema.parse({
    enabled: true,
    Fn: num('Fn_compute_blocks'),
    Bn: num('Bn_compute_blocks'),
    residualDiffThreshold: num('residual_diff_threshold'),
    maxAccumulatedResidualDiffThreshold: orNull('max_accumulated_residual_diff_threshold'),
    maxWarmupSteps: num('max_warmup_steps'),
    warmupInterval: fields.has('warmup_interval') ? num('warmup_interval') : 1,
    maxCachedSteps: fields.has('max_cached_steps') ? num('max_cached_steps') : -1,
    maxContinuousCachedSteps: fields.has('max_continuous_cached_steps')
      ? num('max_continuous_cached_steps')
      : -1,
    enableSeparateCfg: bool('enable_separate_cfg', false),
    cfgDiffComputeSeparate: bool('cfg_diff_compute_separate', true),
    stepsComputationPolicy: policy('steps_computation_policy', ['dynamic', 'static'] as const, 'dynamic'),
    forceRefreshStepHint: orNull('force_refresh_step_hint'),
    forceRefreshStepPolicy: policy('force_refresh_step_policy', ['once', 'repeat'] as const, 'once'),
    mergeBlockLists
  })
}

function pyValue(raw: string): PyValue {
  if (raw === 'None') return null
  if (raw === 'True') return true
  if (raw === 'False') return false
  if (raw.startsWith("'")) return raw.slice(1, -1)
  if (raw.startsWith('<')) return raw
  const n = Number(raw)
  return Number.isFinite(n) ? n : raw
}
