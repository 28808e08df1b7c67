import type { ModelBench, VariantResult } from '../result'
import { fx, kib, mib, pct, signed, times } from './format'

/**
 * The bench's figures as rows of one table, used by the terminal output and the markdown report
 * alike, so both always show the same columns.
 */

export const COLUMNS = [
  'preset',
  'ms/output',
  'ms/step',
  'speedup wall (CPU)',
  'blocks skipped',
  'theoretical',
  'achieved/theor. wall (CPU)',
  'PSNR dB pooled (min)',
  'SSIM',
  'adherence (Δ)',
  'peak RSS MiB',
  'cache KiB'
] as const

export function variantRow(v: VariantResult): string[] {
  if (v.skipped !== null) return [v.label, `skipped: ${v.skipped}`, ...COLUMNS.slice(2).map(() => '')]
  const t = v.timing
  const none = v.preset === 'none'
  return [
    v.label,
    fx(t?.medianTotalMs, 0),
    fx(t?.medianStepMs),
    none ? '1.00×' : `${times(t?.speedup)} (${times(t?.cpuSpeedup)})`,
    pct(v.skippedFraction),
    times(v.theoreticalSpeedup),
    none ? '—' : `${pct(v.achievedOverTheoretical)} (${pct(v.cpuAchievedOverTheoretical)})`,
    none ? '—' : `${fx(v.psnrPooled, 1)} (${fx(v.psnrMin, 1)})`,
    none ? '—' : fx(v.ssimMean, 3),
    none ? fx(v.adherence, 3) : `${fx(v.adherence, 3)} (${signed(v.adherenceDelta)})`,
    mib(v.peakRssBytes),
    kib(v.cacheBytes)
  ]
}

/** Fixed-width text table for the terminal. */
export function textTable(b: ModelBench): string[] {
  const rows = [COLUMNS as readonly string[], ...b.variants.map(variantRow)]
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
  )
}

export function markdownTable(b: ModelBench): string[] {
  const header = `| ${COLUMNS.join(' | ')} |`
  const rule = `|${COLUMNS.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`
  return [header, rule, ...b.variants.map((v) => `| ${variantRow(v).join(' | ')} |`)]
}

/**
 * Per transformer ("expert", experts.ts): one row per (preset, transformer). *ms* is the median
 * wall time of that transformer's denoising steps per output, and *speedup* the median of
 * t(none) / t(preset) of that time over the same interleaved pairs as the whole output's.
 */
export const EXPERT_COLUMNS = [
  'preset',
  'transformer',
  'steps',
  'cached calls',
  'blocks run / total',
  'blocks skipped',
  'theoretical',
  'ms (its steps)',
  'speedup'
] as const

export function expertRows(v: VariantResult): string[][] {
  if (v.skipped !== null)
    return [[v.label, `does not fit: ${v.skipped}`, ...EXPERT_COLUMNS.slice(2).map(() => '')]]
  return v.experts.map((e) => [
    v.label,
    e.transformer,
    String(e.steps),
    `${e.cachedDecisions} / ${e.decisions}`,
    `${e.blocksRun} / ${e.blocksTotal}`,
    pct(e.skippedFraction),
    times(e.theoreticalSpeedup),
    fx(e.medianMs, 0),
    times(e.speedup)
  ])
}

export function expertTextTable(b: ModelBench): string[] {
  const rows = [EXPERT_COLUMNS as readonly string[], ...b.variants.flatMap(expertRows)]
  // A preset that does not fit says why across the row; its reason does not widen the columns.
  const fitted = rows.filter((r) => r[2] !== '')
  const widths = EXPERT_COLUMNS.map((_, c) => Math.max(...fitted.map((r) => (r[c] ?? '').length)))
  return rows.map((r) =>
    r[2] === ''
      ? `${r[0].padEnd(widths[0])}  ${r[1]}`
      : r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
  )
}

export function expertMarkdownTable(b: ModelBench): string[] {
  const header = `| ${EXPERT_COLUMNS.join(' | ')} |`
  const rule = `|${EXPERT_COLUMNS.map((_, c) => (c < 2 ? ' --- ' : ' ---: ')).join('|')}|`
  return [header, rule, ...b.variants.flatMap(expertRows).map((r) => `| ${r.join(' | ')} |`)]
}
