import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { manifestFiles, type ModelInfo, type ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'

/** What the app lists about a model, from its manifest and file sizes; no graph is loaded. */
export async function modelInfo(dir: string, manifest: ModelManifest, embedded: boolean): Promise<ModelInfo> {
  let sizeBytes = 0
  for (const file of new Set(manifestFiles(manifest))) {
    try {
      sizeBytes += (await stat(join(dir, file))).size
    } catch {
      throw new EngineFailure('model_invalid', `${file}: missing (named in model.json, not in ${dir})`)
    }
  }
  return {
    id: manifest.id,
    name: manifest.name,
    kind: manifest.kind,
    description: manifest.description,
    path: dir,
    embedded,
    output: manifest.output,
    transformers: manifest.transformers.map((t) => ({
      name: t.name,
      timestepRange: t.timestepRange,
      blockLists: t.blockLists.map((l) => ({ name: l.name, pattern: l.pattern, blocks: l.blocks.length }))
    })),
    defaults: manifest.defaults,
    examples: manifest.examples ?? [],
    sizeBytes
  }
}
