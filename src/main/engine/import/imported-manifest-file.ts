import { join } from 'node:path'
import { ImportedManifestSchema, type ImportedManifest } from '../../../shared/imported-manifest'
import { MANIFEST_FILE, parseManifest, readManifestJson } from '../model/manifest-file'

/**
 * An imported package's manifest may list many more files than an embedded one (every cut block,
 * every source file with its size and time), hence its own bound.
 */
export const IMPORTED_MANIFEST_BYTES = 16 * 1024 * 1024

/** Reads and validates an imported package's model.json; problems name the file and the field. */
export async function readImportedManifest(dir: string): Promise<ImportedManifest> {
  const json = await readManifestJson(dir, IMPORTED_MANIFEST_BYTES)
  return parseManifest(ImportedManifestSchema, json, join(dir, MANIFEST_FILE))
}
