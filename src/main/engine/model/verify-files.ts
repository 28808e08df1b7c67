import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { MANIFEST_LIMITS, manifestFiles, type ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { tryDecodeModel } from './onnx-graph'
import { readRegularFile } from './safe-read'

/**
 * Reads every file the manifest names and checks its sha256. A file that fails is reported with
 * the likeliest cause: missing, truncated/corrupt (an ONNX file that no longer parses), or changed.
 */
export async function readVerifiedFiles(
  dir: string,
  manifest: ModelManifest
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>()
  for (const file of new Set(manifestFiles(manifest))) {
    const bytes = await readModelFile(dir, file)
    const expected = manifest.files[file]
    const actual = sha256(bytes)
    if (actual !== expected)
      throw new EngineFailure('model_invalid', mismatchMessage(file, bytes, expected, actual))
    files.set(file, bytes)
  }
  return files
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The most bytes a file of the package may have: a graph is bounded by protobuf, the rest lower. */
export function maxFileBytes(file: string): number {
  return file.endsWith('.onnx') ? MANIFEST_LIMITS.graphFileBytes : MANIFEST_LIMITS.otherFileBytes
}

/** Only a regular file inside `dir`, reached through real folders, is read (see safe-read.ts). */
async function readModelFile(dir: string, file: string): Promise<Uint8Array> {
  try {
    return await readRegularFile(join(dir, file), { maxBytes: maxFileBytes(file), label: file, root: dir })
  } catch (e) {
    if (e instanceof EngineFailure && e.code === 'model_not_found')
      throw new EngineFailure('model_invalid', `${file}: missing (named in model.json, not in ${dir})`)
    throw e
  }
}

function mismatchMessage(file: string, bytes: Uint8Array, expected: string, actual: string): string {
  if (bytes.length === 0) return `${file}: empty file (sha256 mismatch)`
  if (file.endsWith('.onnx')) {
    const decoded = tryDecodeModel(bytes)
    if ('error' in decoded) {
      return `${file}: truncated or corrupt (${bytes.length} bytes, not a readable ONNX model: ${decoded.error})`
    }
  }
  if (file.endsWith('.json')) {
    try {
      JSON.parse(new TextDecoder().decode(bytes))
    } catch {
      return `${file}: truncated or corrupt (${bytes.length} bytes, not valid JSON)`
    }
  }
  return `${file}: sha256 mismatch (expected ${expected}, got ${actual})`
}
