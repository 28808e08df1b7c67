import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  IMPORT_FORMAT,
  ImportedManifestSchema,
  type ImportedGraph,
  type ImportedManifest
} from '../../../shared/imported-manifest'
import { EngineFailure } from '../errors'
import { encodeModel } from '../model/onnx-graph'
import { sha256 } from '../model/verify-files'
import { cutTransformer } from './cut-transformer'
import { readImportedManifest } from './imported-manifest-file'
import { recogniseFolder, type Progress, type RecognisedGraph } from './recognise'

/**
 * `studio import FOLDER`: recognise an ONNX diffusers folder (any family of families/index.ts),
 * cut its transformers and write a
 * package (`model.json` + the cut graphs) into the models folder. No weight is copied: the cut
 * graphs' external-data initializers point into the source folder, and the text encoders, VAE
 * and tokenizers are used where they are. A folder imported before (same path, same
 * model_index.json) gives back the package made then.
 */

export interface ImportOptions {
  /** Folder the package is written into (as `<modelsDir>/<id>/`). */
  modelsDir: string
  name?: string
  progress?: Progress
}

export interface ImportResult {
  id: string
  dir: string
  /** True when the folder had been imported already and that package was returned. */
  reused: boolean
  manifest: ImportedManifest
}

export async function importFolder(folder: string, options: ImportOptions): Promise<ImportResult> {
  const progress = options.progress ?? (() => undefined)
  const src = await recogniseFolder(folder, progress)
  const existing = await findImport(options.modelsDir, src.dir, src.modelIndexSha256)
  if (existing) {
    progress(`already imported as ${existing.manifest.id} (${existing.dir})`)
    return { ...existing, reused: true }
  }
  const files: Record<string, Uint8Array> = {}
  const cuts = src.transformers.map(({ spec: t, graph: g }) => {
    progress(`cutting ${g.file} (${g.model.graph?.node?.length ?? 0} nodes)`)
    const cut = cutTransformer(g.bytes, g.model, g.file, src.spec.cut)
    for (const l of cut.lists) progress(`  ${l.name}: ${l.size} blocks, ${l.pattern}`)
    progress(
      `  ${cut.contexts.length} context tensors, ${cut.hoisted.length} nodes moved into the embed graph`
    )
    if (cut.crossReads.length > 0)
      progress(
        `  ${cut.crossReads.length} cross-block reads: cache configs that part a producer from its reader are refused`
      )
    // Each transformer's cut graphs in a folder named for it (transformer/, transformer_2/).
    const folder = t.name
    files[`${folder}/embed.onnx`] = encodeModel(cut.graphs.embed)
    const blockLists = cut.lists.map((l) => {
      const blocks = cut.graphs.blocks.slice(l.firstSegment - 1, l.firstSegment - 1 + l.size).map((m, k) => {
        const file = `${folder}/${l.name}_${String(k).padStart(2, '0')}.onnx`
        files[file] = encodeModel(m)
        return file
      })
      return { name: l.name, pattern: l.pattern, blocks }
    })
    files[`${folder}/final.onnx`] = encodeModel(cut.graphs.final)
    const transformer = {
      name: t.name,
      component: t.component,
      timestepRange: t.timestepRange,
      embed: { file: `${folder}/embed.onnx` },
      blockLists,
      final: { file: `${folder}/final.onnx` },
      externalDataDir: t.component,
      ...(cut.crossReads.length > 0 ? { crossBlockReads: cut.crossReads } : {})
    }
    return { cut, transformer, graph: g }
  })
  const first = cuts[0].cut

  const name = options.name ?? defaultName(src.dir)
  const id = await freeId(options.modelsDir, slug(name))
  const component = (g: RecognisedGraph): ImportedGraph => ({
    file: g.file,
    ...(g.externalDataDir ? { externalDataDir: g.externalDataDir } : {}),
    inputs: (g.model.graph?.input ?? []).map((v) => v.name ?? '').slice(0, 64),
    outputs: (g.model.graph?.output ?? []).map((v) => v.name ?? '').slice(0, 64)
  })
  const components: Record<string, ImportedGraph> = {}
  for (const [c, g] of src.components) components[c] = component(g)
  for (const x of src.transformers) components[x.spec.component] = component(x.graph)
  const lists = first.lists.map((l) => `${l.size} ${l.name}`).join(', ')
  const experts = cuts.length > 1 ? `, ${cuts.length} transformers` : ''
  const manifest: ImportedManifest = ImportedManifestSchema.parse({
    format: IMPORT_FORMAT,
    id,
    name,
    description: `${src.spec.describe?.(src.configs) ?? src.spec.label} (${lists}${experts}) imported from ${src.dir}`,
    family: src.spec.family,
    kind: src.spec.kind,
    source: {
      dir: src.dir,
      modelIndexSha256: src.modelIndexSha256,
      exporter: first.exporter,
      precision: src.transformers[0].graph.fp16 ? 'fp16' : 'fp32'
    },
    components,
    tokenizers: src.tokenizers,
    promptTokenizer: src.spec.promptTokenizer,
    configs: src.configs,
    transformers: cuts.map((c) => c.transformer),
    defaults: src.defaults.defaults,
    sizes: src.defaults.sizes,
    files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, sha256(b)])),
    sourceFiles: src.sourceFiles,
    // The first transformer's analysis (Wan 2.2's experts are the same architecture).
    analysis: {
      lists: first.lists.map((l) => ({
        name: l.name,
        blocks: l.size,
        pattern: l.pattern,
        streamsIn: l.streamsIn
      })),
      contexts: first.contexts,
      hoisted: { count: first.hoisted.length, examples: first.hoisted.slice(0, 20) },
      nodes: first.nodes,
      notes: cuts.flatMap((c) => c.cut.notes).slice(0, 100)
    }
  })

  // Written beside the target and renamed into place: a package is there whole or not at all.
  const dir = join(options.modelsDir, id)
  const partial = join(options.modelsDir, `.${id}.partial`)
  await rm(partial, { recursive: true, force: true })
  for (const t of manifest.transformers) await mkdir(join(partial, t.name), { recursive: true })
  try {
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(partial, file), bytes)
    await writeFile(join(partial, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    await rename(partial, dir)
  } catch (e) {
    await rm(partial, { recursive: true, force: true })
    throw new EngineFailure(
      'io',
      `cannot write the package into ${options.modelsDir} (${(e as Error).message})`
    )
  }
  progress(`imported as ${id} (${dir})`)
  return { id, dir, reused: false, manifest }
}

/** The package an earlier import of this folder made, if the models folder holds one. */
async function findImport(modelsDir: string, dir: string, indexSha: string) {
  for (const entry of await listDirs(modelsDir)) {
    const pkg = join(modelsDir, entry)
    try {
      const manifest = await readImportedManifest(pkg)
      if (manifest.source.dir === dir && manifest.source.modelIndexSha256 === indexSha)
        return { id: manifest.id, dir: pkg, manifest }
    } catch {
      // Not an imported package, or a broken one: not this folder's.
    }
  }
  return null
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort()
  } catch {
    return []
  }
}

async function freeId(modelsDir: string, base: string): Promise<string> {
  const taken = new Set(await listDirs(modelsDir))
  if (!taken.has(base)) return base
  for (let k = 2; ; k++) if (!taken.has(`${base}-${k}`)) return `${base}-${k}`
}

/**
 * A name for a folder imported without --name. Exporters write into folders named for the format,
 * not the model (`optimum-cli export onnx … out/`, a repository's `onnx/` subfolder): those take
 * their parent's name, so two models do not both become "onnx".
 */
export function defaultName(dir: string): string {
  const base = basename(dir)
  const parent = basename(dirname(dir))
  const generic = /^(onnx|out|output|export|exported|model|models)$/i
  if (parent && generic.test(base)) return parent
  const onnxVariant = /^onnx[-_](.+)$/i.exec(base)
  if (parent && onnxVariant) return `${parent}-${onnxVariant[1]}`
  return base
}

function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return s || 'imported-model'
}
