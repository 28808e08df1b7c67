import { parseArgs, type ParseArgsConfig } from 'node:util'
import { PROVIDERS, type Provider } from '../shared/providers'
import { UsageError, type CliIO } from './io'

/** node:util parseArgs with one-line errors, and typed readers for numeric flags. */

export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0])
  }
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const

/**
 * A command's flags: its `options` and -h/--help. Null once --help has printed `usage` (the
 * command then exits 0 without doing anything).
 */
export function commandFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
  usage: string,
  io: CliIO
) {
  const parsed = parseFlags(argv, { ...options, ...HELP })
  if ((parsed.values as { help?: boolean }).help) {
    io.out(usage)
    return null
  }
  return parsed
}

export function intFlag(
  name: string,
  text: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER
): number | undefined {
  if (text === undefined) return undefined
  if (!/^[+-]?\d+$/.test(text.trim())) throw new UsageError(`--${name}: expected an integer, got "${text}"`)
  const n = Number(text)
  if (n < min || n > max) throw new UsageError(`--${name}: must be between ${min} and ${max}, got ${n}`)
  return n
}

export function numberFlag(
  name: string,
  text: string | undefined,
  min: number,
  max: number
): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`--${name}: expected a number, got "${text}"`)
  if (n < min || n > max) throw new UsageError(`--${name}: must be between ${min} and ${max}, got ${n}`)
  return n
}

export function providerFlag(text: string | undefined): Provider {
  if (text === undefined) return 'auto'
  const p = PROVIDERS.find((x) => x === text.toLowerCase())
  if (!p) throw new UsageError(`--provider: unknown provider "${text}" (one of ${PROVIDERS.join(', ')})`)
  return p
}
