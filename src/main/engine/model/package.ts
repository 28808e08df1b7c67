import { resolve } from 'node:path'
import type { ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { checkGraphs } from './graph-check'
import { readManifest } from './manifest-file'
import { assertFitsMemory, graphMemory, manifestMemory } from './memory-estimate'
import { tryDecodeModel, type ModelProto } from './onnx-graph'
import { readVerifiedFiles } from './verify-files'

/**
 * A model package read from disk and checked: manifest schema, every file's sha256, every graph's
 * inputs and outputs. Holds the bytes so sessions and segments are built without reading again.
 */
export interface ModelPackage {
  dir: string
  manifest: ModelManifest
  /** Raw bytes of every file the manifest names. */
  files: ReadonlyMap<string, Uint8Array>
  /** A parsed ONNX graph of the package. */
  graph(file: string): ModelProto
  /** A text file of the package (tokenizer.json, reference.json). */
  text(file: string): string
}

export interface LoadPackageOptions {
  /** Memory the model must fit in (default: the machine's RAM); see memory-estimate.ts. */
  memoryBytes?: number
}

export async function loadPackage(dir: string, options: LoadPackageOptions = {}): Promise<ModelPackage> {
  const abs = resolve(dir)
  const manifest = await readManifest(abs)
  // Before the files are read: a latent that cannot fit is refused without reading gigabytes.
  assertFitsMemory(manifest.id, manifestMemory(manifest), options.memoryBytes)
  const files = await readVerifiedFiles(abs, manifest)
  const graphs = new Map<string, ModelProto>()
  const graph = (file: string): ModelProto => {
    const cached = graphs.get(file)
    if (cached) return cached
    const bytes = files.get(file)
    if (!bytes) throw new EngineFailure('internal', `${file} is not a file of ${manifest.id}`)
    const decoded = tryDecodeModel(bytes)
    if ('error' in decoded)
      throw new EngineFailure('model_invalid', `${file}: not a readable ONNX model (${decoded.error})`)
    graphs.set(file, decoded.model)
    return decoded.model
  }
  checkGraphs(manifest, graph)
  assertFitsMemory(
    manifest.id,
    [...manifestMemory(manifest), ...graphMemory(files, graph)],
    options.memoryBytes
  )
  const text = (file: string): string => {
    const bytes = files.get(file)
    if (!bytes) throw new EngineFailure('internal', `${file} is not a file of ${manifest.id}`)
    return new TextDecoder().decode(bytes)
  }
  return { dir: abs, manifest, files, graph, text }
}
