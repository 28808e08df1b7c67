import type { BenchReport } from '../result'
/** Number formats shared by the terminal table and the markdown report. */

export const fx = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits)

export const times = (x: number | null | undefined): string => (x == null ? '—' : `${fx(x)}×`)

export const pct = (x: number | null | undefined): string => (x == null ? '—' : `${(x * 100).toFixed(0)} %`)

export const mib = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(1)}`

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)}`

export const signed = (x: number | null | undefined, digits = 3): string =>
  x == null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`

/** An argument as a POSIX shell would need it, so the recorded command can be pasted back. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

/** The engine's CFG layout where it is not one lane of separate calls. */
export function layoutNote(m: BenchReport['machine']): string {
  if ((m.cfgLanes ?? 1) > 1) return `, ${m.cfgLanes} CFG lanes`
  return m.cfgBatch ? ', CFG batched into one call' : ''
}
