import { join } from 'node:path'
import {
  ImportedManifestSchema,
  OLD_IMPORT_FORMATS,
  type ImportedManifest
} from '../../../shared/imported-manifest'
import { EngineFailure } from '../errors'
import { MANIFEST_FILE, parseManifest, readManifestJson } from '../model/manifest-file'

/**
 * An imported package's manifest may list many more files than an embedded one (every cut block,
 * every source file with its size and time), hence its own bound.
 */
export const IMPORTED_MANIFEST_BYTES = 16 * 1024 * 1024

/** Reads and validates an imported package's model.json; problems name the file and the field. */
export async function readImportedManifest(dir: string): Promise<ImportedManifest> {
  const json = await readManifestJson(dir, IMPORTED_MANIFEST_BYTES)
  const format = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : null
  if (OLD_IMPORT_FORMATS.includes(format as string))
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, MANIFEST_FILE)}: made by an older studio import (${String(format)}); import the folder again`
    )
  return parseManifest(ImportedManifestSchema, json, join(dir, MANIFEST_FILE))
}
