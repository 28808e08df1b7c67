import { randomUUID } from 'node:crypto'
import { EngineFailure } from '../../errors'

/**
 * JSON as Python's json module writes it: diffusers saves float('-inf') as the bare literal
 * -Infinity (PixArt-Σ's scheduler_config.json: "lambda_min_clipped": -Infinity), and NaN /
 * Infinity likewise, which JSON.parse refuses. Those three literals, outside strings, are read as
 * the numbers they are; everything else is JSON.parse's.
 */

const LITERALS = ['-Infinity', 'Infinity', 'NaN'] as const
const VALUES: Record<(typeof LITERALS)[number], number> = {
  '-Infinity': -Infinity,
  Infinity: Infinity,
  NaN: NaN
}

export function parsePythonJson(text: string, label: string): unknown {
  // A sentinel no file can contain by chance: the literal becomes a string, the reviver a number.
  const tag = `\u0000${randomUUID()}:`
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      out += ch
      if (ch === '\\') out += text[++i] ?? ''
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') {
      inString = true
      out += ch
      continue
    }
    const literal = LITERALS.find((l) => text.startsWith(l, i))
    if (literal) {
      out += JSON.stringify(tag + literal)
      i += literal.length - 1
      continue
    }
    out += ch
  }
  try {
    return JSON.parse(out, (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(tag)
        ? VALUES[value.slice(tag.length) as (typeof LITERALS)[number]]
        : value
    ) as unknown
  } catch (e) {
    throw new EngineFailure('model_invalid', `${label}: not valid JSON (${(e as Error).message})`)
  }
}
