import { join } from 'node:path'
import { ImportedManifestSchema, type ImportedManifest } from '../../../shared/imported-manifest'
import { EngineFailure } from '../errors'
import { readRegularText } from '../model/safe-read'

/** Reads and validates an imported package's model.json; problems name the file and the field. */
export async function readImportedManifest(dir: string): Promise<ImportedManifest> {
  const path = join(dir, 'model.json')
  const text = await readRegularText(path, { maxBytes: 16 * 1024 * 1024, label: path })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new EngineFailure('model_invalid', `${path}: not valid JSON (${(e as Error).message})`)
  }
  const parsed = ImportedManifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new EngineFailure('model_invalid', `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  return parsed.data
}
