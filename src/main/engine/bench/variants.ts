import { cacheTag, type CacheConfigInput } from '../../../shared/cache-config'
import { PRESETS, resolveCacheConfig, type PresetId } from '../../../shared/presets'

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

/** F8B0 with another threshold: `F8B0-R0.12`. */
export function sweepVariant(threshold: number): BenchVariant {
  return {
    id: `F8B0-R${threshold}`,
    label: `F8B0 R${threshold}`,
    preset: 'F8B0',
    overrides: { residualDiffThreshold: threshold }
  }
}

export function defaultVariants(sweep: readonly number[] = DEFAULT_SWEEP): BenchVariant[] {
  const presets = (['none', 'F8B0', 'F8B8-taylorseer', 'F1B0'] as const).map(presetVariant)
  const base = resolveCacheConfig('F8B0').residualDiffThreshold
  return [...presets, ...sweep.filter((t) => t !== base).map(sweepVariant)]
}

/** Parses `none,F8B0,F1B0` (preset ids) and `F8B0-R0.2` (sweep points) into variants. */
export function parseVariants(list: string): BenchVariant[] {
  return list.split(',').map((raw) => {
    const id = raw.trim()
    const sweep = /^F8B0-R(\d*\.?\d+)$/.exec(id)
    if (sweep) return sweepVariant(Number(sweep[1]))
    const preset = PRESETS.find((p) => p.id === id && p.id !== 'custom')
    if (!preset) {
      const known = PRESETS.filter((p) => p.id !== 'custom').map((p) => p.id)
      throw new Error(`unknown variant "${id}" (one of ${known.join(', ')}, or F8B0-R<threshold>)`)
    }
    return presetVariant(preset.id)
  })
}

export function variantTag(v: BenchVariant): string {
  return cacheTag(resolveCacheConfig(v.preset, v.overrides))
}
