import { join } from 'node:path'
import type { z } from 'zod'
import { MANIFEST_LIMITS, ManifestSchema, type ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { readRegularText } from './safe-read'

export const MANIFEST_FILE = 'model.json'

/**
 * Reads and validates `model.json`; every problem names the file and the field. Only a regular
 * file of at most MANIFEST_LIMITS.manifestBytes is read (a FIFO or a link to /dev/zero would
 * hang or fill the engine before a parser saw a byte).
 */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MANIFEST_FILE)
  let json: unknown
  try {
    json = await readManifestJson(dir)
  } catch (e) {
    if (e instanceof EngineFailure && e.code === 'model_not_found') {
      throw new EngineFailure('model_not_found', `no model at ${dir}: ${MANIFEST_FILE} not found`)
    }
    throw e
  }
  return parseManifest(ManifestSchema, json, path)
}

/**
 * The JSON of dir/model.json, whatever its format, read as readManifest reads it: only a regular
 * file of at most `maxBytes`, and invalid JSON reported with the file's path. Both package
 * formats (this one and imported packages) are read through it.
 */
export async function readManifestJson(
  dir: string,
  maxBytes: number = MANIFEST_LIMITS.manifestBytes
): Promise<unknown> {
  const path = join(dir, MANIFEST_FILE)
  const text = await readRegularText(path, { maxBytes, label: path })
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new EngineFailure('model_invalid', `${path}: not valid JSON (${(e as Error).message})`)
  }
}

/** Validates a manifest's JSON; a failure names the file and the fields (model_invalid). */
export function parseManifest<T>(schema: z.ZodType<T>, json: unknown, path: string): T {
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new EngineFailure('model_invalid', `${path}: ${describeIssues(parsed.error)}`)
  return parsed.data
}

function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : ''
  return shown.join('; ') + more
}
