import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import { ManifestSchema, type ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'

export const MANIFEST_FILE = 'model.json'

/** Reads and validates `model.json`; every problem names the file and the field. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MANIFEST_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EngineFailure('model_not_found', `no model at ${dir}: ${MANIFEST_FILE} not found`)
    }
    throw new EngineFailure('io', `${path}: ${(e as Error).message}`)
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
