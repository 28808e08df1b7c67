import { join } from 'node:path'
import { manifestFiles, type ModelInfo, type ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { assertRegularFile } from './safe-read'
import { maxFileBytes } from './verify-files'

/**
 * What the app lists about a model, from its manifest and file sizes; no graph is loaded. Each
 * file is checked as load will read it (a regular file, no symlink, within its bound), so Add
 * model refuses a folder that load would refuse, naming the file.
 */
export async function modelInfo(dir: string, manifest: ModelManifest, embedded: boolean): Promise<ModelInfo> {
  let sizeBytes = 0
  for (const file of new Set(manifestFiles(manifest))) {
    try {
      const options = { maxBytes: maxFileBytes(file), label: file, root: dir }
      sizeBytes += (await assertRegularFile(join(dir, file), options)).size
    } catch (e) {
      if (e instanceof EngineFailure && e.code !== 'model_not_found') throw e
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
