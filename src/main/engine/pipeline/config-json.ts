import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { z } from 'zod'
import { EngineFailure } from '../errors'
import { readRegularText } from '../model/safe-read'

/**
 * A pipeline folder's JSON files (model_index.json, each component's config, tokenizer configs),
 * read within the folder, bounded in size, parsed and checked against their schemas where they are
 * read; a file that is not valid JSON or does not fit its schema is refused with its path. Shared
 * by the families' folder readers and the importer's recogniser.
 */

const MAX_JSON_BYTES = 64 * 1024 * 1024

/** Parses a JSON text; `label` names the file in the refusal. */
export type JsonParser = (text: string, label: string) => unknown

/** JSON as the standard says (JSON.parse). */
export function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new EngineFailure('model_invalid', `${label}: not valid JSON (${(e as Error).message})`)
  }
}

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

/** A text file of the folder (a tokenizer's JSON, kept as text), bounded in size. */
export function readFolderText(dir: string, rel: string): Promise<string> {
  return readRegularText(join(dir, rel), { maxBytes: MAX_JSON_BYTES, root: dir, label: rel })
}

/** A value against its schema; the first issue is the refusal, with the file's path. */
export function checkSchema<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new EngineFailure('model_invalid', `${path}: ${i.path.join('.') || '(root)'}: ${i.message}`)
  }
  return parsed.data
}

/**
 * Refuses a folder whose scheduler_config.json asks for what the family's scheduler does not
 * implement (`unsupported`: that, in words; null: nothing), naming the file.
 */
export function refuseSchedulerOption(dir: string, unsupported: string | null): void {
  if (unsupported)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'scheduler/scheduler_config.json')}: ${unsupported}`
    )
}

/** One JSON file of the folder against its schema (`parse`: parsePythonJson where diffusers wrote it). */
export async function readFolderJson<T>(
  dir: string,
  rel: string,
  schema: z.ZodType<T>,
  parse: JsonParser = parseJson
): Promise<T> {
  const text = await readFolderText(dir, rel)
  return checkSchema(schema, parse(text, join(dir, rel)), join(dir, rel))
}
