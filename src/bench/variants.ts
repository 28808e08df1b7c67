import { cacheTag, type CacheConfigInput } from '../shared/cache-config'
import { PRESETS, resolveCacheConfig, type PresetId } from '../shared/presets'

/**
 * What the bench compares: the presets users pick from, plus a sweep of F8B0's threshold (the
 * one knob that trades speed for fidelity most directly). A variant is a preset with overrides,
 * exactly what a GenerateRequest's `cache` carries.
 */

export interface BenchVariant {
  id: string
  label: string
  preset: PresetId
  overrides: CacheConfigInput
}

export const DEFAULT_SWEEP = [0.04, 0.12, 0.16, 0.24] as const

export function presetVariant(id: PresetId): BenchVariant {
  const p = PRESETS.find((x) => x.id === id)
  return { id, label: p?.label ?? id, preset: id, overrides: {} }
}

/** A cached preset with another threshold: `F8B0-R0.12`. */
export function sweepVariant(threshold: number, base: PresetId = 'F8B0'): BenchVariant {
  return {
    id: `${base}-R${threshold}`,
    label: `${presetVariant(base).label} R${threshold}`,
    preset: base,
    overrides: { residualDiffThreshold: threshold }
  }
}

export function defaultVariants(sweep: readonly number[] = DEFAULT_SWEEP): BenchVariant[] {
  const presets = (['none', 'F8B0', 'F8B8-taylorseer', 'F1B0'] as const).map(presetVariant)
  const base = resolveCacheConfig('F8B0').residualDiffThreshold
  return [...presets, ...sweep.filter((t) => t !== base).map((t) => sweepVariant(t))]
}

/**
 * The default variants for one model: every preset (one that does not fit the model's block
 * lists stays in the list, reported with the reason), and the threshold sweep on F8B0 where it
 * fits, else on the first cached preset that does (an imported tiny export has 6 blocks per
 * list: F8B0's 8 front blocks do not fit, F1B0's one does), else none.
 */
export function defaultVariantsFor(
  fits: (v: BenchVariant) => boolean,
  sweep: readonly number[] = DEFAULT_SWEEP
): BenchVariant[] {
  const presets = defaultVariants([])
  const base = presets.find((v) => v.preset !== 'none' && fits(v))
  if (!base) return presets
  const own = resolveCacheConfig(base.preset).residualDiffThreshold
  return [...presets, ...sweep.filter((t) => t !== own).map((t) => sweepVariant(t, base.preset))]
}

/** Parses `none,F8B0,F1B0` (preset ids) and `F8B0-R0.2` (a preset with another threshold). */
export function parseVariants(list: string): BenchVariant[] {
  const known = PRESETS.filter((p) => p.id !== 'custom').map((p) => p.id)
  return list.split(',').map((raw) => {
    const id = raw.trim()
    const sweep = /^(.+)-R(\d*\.?\d+)$/.exec(id)
    const presetId = sweep ? sweep[1] : id
    const preset = PRESETS.find((p) => p.id === presetId && p.id !== 'custom')
    if (!preset || (sweep && preset.id === 'none'))
      throw new Error(
        `unknown variant "${id}" (one of ${known.join(', ')}, or a cached preset with -R<threshold>)`
      )
    return sweep ? sweepVariant(Number(sweep[2]), preset.id) : presetVariant(preset.id)
  })
}

export function variantTag(v: BenchVariant): string {
  return cacheTag(resolveCacheConfig(v.preset, v.overrides))
}
