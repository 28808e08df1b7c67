import { CacheConfigSchema, type CacheConfig, type CacheConfigInput } from './cache-config'

/**
 * Cache presets are data: each is a partial config applied on top of CacheDiT's defaults.
 * The engine has no code path per preset.
 */
export const PRESET_IDS = ['none', 'F8B0', 'F8B8-taylorseer', 'F1B0', 'custom'] as const
export type PresetId = (typeof PRESET_IDS)[number]

export interface CachePreset {
  id: PresetId
  label: string
  description: string
  overrides: CacheConfigInput
}

export const PRESETS: readonly CachePreset[] = [
  {
    id: 'none',
    label: 'None',
    description: 'No cache: every block runs at every step. The reference for quality.',
    overrides: { enabled: false }
  },
  {
    id: 'F8B0',
    label: 'F8B0',
    description:
      "CacheDiT's defaults: 8 front blocks probe, 8 warmup steps, unlimited cached steps, threshold 0.08.",
    overrides: {}
  },
  {
    id: 'F8B8-taylorseer',
    label: 'F8B8 + TaylorSeer',
    description:
      'Higher fidelity: 8 front and 8 back blocks always run, threshold 0.12, TaylorSeer order 1 forecasts the skipped residual (the CacheDiT doc example).',
    overrides: { Fn: 8, Bn: 8, residualDiffThreshold: 0.12, taylorSeer: { enabled: true, order: 1 } }
  },
  {
    id: 'F1B0',
    label: 'F1B0 (aggressive)',
    description: 'First-block cache: only block 0 probes, threshold 0.12. Fastest, loses the most detail.',
    overrides: { Fn: 1, Bn: 0, residualDiffThreshold: 0.12 }
  },
  {
    id: 'custom',
    label: 'Custom',
    description: 'Every knob of DBCache and TaylorSeer, starting from the library defaults.',
    overrides: {}
  }
]

export function presetById(id: PresetId): CachePreset {
  const preset = PRESETS.find((p) => p.id === id)
  if (!preset) throw new Error(`unknown cache preset "${id}"`)
  return preset
}

/** The full config of a preset, with user overrides on top (validated). */
export function resolveCacheConfig(id: PresetId, overrides: CacheConfigInput = {}): CacheConfig {
  const base = presetById(id).overrides
  return CacheConfigSchema.parse({
    ...base,
    ...overrides,
    taylorSeer: { ...(base.taylorSeer ?? {}), ...(overrides.taylorSeer ?? {}) }
  })
}
