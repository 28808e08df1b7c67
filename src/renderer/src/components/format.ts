/** Display formats, one place: times, sizes, ratios and metrics read the same in every view. */
import { presetById, type PresetId } from '../../../shared/presets'

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const m = Math.floor(ms / 60_000)
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(2)} GB`
}

export const formatSpeedup = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—')

export const formatDistance = (d: number): string => (d < 0.001 ? d.toExponential(1) : d.toFixed(4))

export function formatDate(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/**
 * A preset's name where room is short (the preset picker's segments, gallery cards): the two long
 * labels drop their explanation, which the picker's tooltip and the recipe table still give.
 */
export function presetShortLabel(id: PresetId): string {
  if (id === 'F8B8-taylorseer') return 'F8B8+TS'
  if (id === 'F1B0') return 'F1B0'
  return presetById(id).label
}
