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
  let text: string
  try {
    text = await readRegularText(path, { maxBytes: MANIFEST_LIMITS.manifestBytes, label: path })
  } catch (e) {
    if (e instanceof EngineFailure && e.code === 'model_not_found') {
      throw new EngineFailure('model_not_found', `no model at ${dir}: ${MANIFEST_FILE} not found`)
    }
    throw e
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new EngineFailure('model_invalid', `${path}: not valid JSON (${(e as Error).message})`)
  }
  const parsed = ManifestSchema.safeParse(json)
  if (!parsed.success) {
    throw new EngineFailure('model_invalid', `${path}: ${describeIssues(parsed.error)}`)
  }
  return parsed.data
}

function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : ''
  return shown.join('; ') + more
}
