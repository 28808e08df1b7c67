import { join } from 'node:path'
import { isImportedFormat, type ImportedManifest } from '../../../shared/imported-manifest'
import type { ModelInfo } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { readManifestJson } from '../model/manifest-file'
import { assertRegularFile } from '../model/safe-read'
import { familyCard } from './family-card'
import { IMPORTED_MANIFEST_BYTES, readImportedManifest } from './imported-manifest-file'

/** What the registry lists about an imported package: read from its model.json and file sizes. */

/** Whether dir/model.json is an imported package's (cache-studio-import/2, or an older one readImportedManifest refuses). */
export async function isImportedPackage(dir: string): Promise<boolean> {
  try {
    return isImportedFormat(await readManifestJson(dir, IMPORTED_MANIFEST_BYTES))
  } catch {
    return false
  }
}

export async function importedModelInfo(dir: string): Promise<ModelInfo> {
  const m = await readImportedManifest(dir)
  let sizeBytes = 0
  for (const file of Object.keys(m.files)) {
    try {
      sizeBytes += (
        await assertRegularFile(join(dir, file), { maxBytes: 2 ** 31 - 1, label: file, root: dir })
      ).size
    } catch (e) {
      if (e instanceof EngineFailure && e.code !== 'model_not_found') throw e
      throw new EngineFailure('model_invalid', `${file}: missing (named in model.json, not in ${dir})`)
    }
  }
  const sourceBytes = Object.values(m.sourceFiles).reduce((n, f) => n + f.size, 0)
  const card = familyCard(m.family, m.configs)
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    description: m.description,
    path: dir,
    embedded: false,
    output: { width: m.defaults.width, height: m.defaults.height, frames: m.defaults.frames ?? 1 },
    transformers: m.transformers.map((t) => ({
      name: t.name,
      timestepRange: t.timestepRange,
      blockLists: t.blockLists.map((l) => ({ name: l.name, pattern: l.pattern, blocks: l.blocks.length })),
      ...(t.crossBlockReads ? { crossBlockReads: t.crossBlockReads } : {})
    })),
    defaults: {
      steps: m.defaults.steps,
      guidanceScale: m.defaults.guidanceScale,
      separateCfg: false,
      negativePrompt: ''
    },
    examples: [],
    sizeBytes,
    family: m.family,
    precision: m.source.precision,
    sizeOnDisk: sizeBytes + sourceBytes,
    sourceDir: m.source.dir,
    sizes: m.sizes,
    ...card,
    // The family reads no prompt text (Qwen-Image without a text encoder graph): embeddings only.
    ...(m.promptTokenizer === null ? { promptEmbeds: true } : {}),
    ...cannotGenerate(m)
  }
}

/**
 * Every family's pipeline decodes its latents with the package's VAE decoder; a package imported
 * without one (Wan's and Qwen-Image's TorchScript exports: the VAE is optional at import) still
 * replays and inspects, but its pipeline refuses to generate (pipeline/wan/generate.ts,
 * pipeline/qwen-image/generate.ts). The app says so before a run instead of offering Generate.
 */
function cannotGenerate(m: ImportedManifest): Pick<ModelInfo, 'cannotGenerate'> {
  if ('vae_decoder' in m.components) return {}
  return {
    cannotGenerate: `No VAE decoder graph in this export: it cannot decode ${m.kind === 'video' ? 'videos' : 'images'} (export vae_decoder/model.onnx and import again)`
  }
}
