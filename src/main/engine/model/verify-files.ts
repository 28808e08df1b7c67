import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { manifestFiles, type ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { tryDecodeModel } from './onnx-graph'

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

async function readModelFile(dir: string, file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(join(dir, file)))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new EngineFailure('model_invalid', `${file}: missing (named in model.json, not in ${dir})`)
    throw new EngineFailure('io', `${file}: cannot read (${(e as Error).message})`)
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
