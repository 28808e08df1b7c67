import { existsSync } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { ImportedManifest } from '../../../shared/imported-manifest'
import type { ConcreteProvider } from '../../../shared/providers'
import { EngineFailure } from '../errors'
import { assertFitsMemory } from '../model/memory-estimate'
import { compilePiece } from '../model/segments'
import { contextPrograms, LoadedTransformer, type GraphSource } from '../model/loaded-model'
import { tryDecodeModel, type ModelProto } from '../model/onnx-graph'
import { providerCandidates } from '../model/providers'
import { readRegularFile, readRegularText } from '../model/safe-read'
import { DEFAULT_TUNING, Session } from '../model/session'
import { sha256 } from '../model/verify-files'
import { importedEstimate } from './imported-memory'
import { readImportedManifest } from './imported-manifest-file'
import type { LoadedImport, LoadImportedOptions } from './loaded-import'

/**
 * Loads an imported package: its cut graphs (sha256-checked), the source folder's files it uses
 * (size and mtime as at import: see ImportedManifestSchema.sourceFiles), and one session per
 * graph. Every session is made from bytes read through the safe reader, with the graph's source
 * folder as its external-data folder, so weights are mapped by onnxruntime from where they are.
 */

const GRAPH_BYTES = 2 ** 31 - 1
const TEXT_BYTES = 256 * 1024 * 1024

export async function loadImportedModel(dir: string, options: LoadImportedOptions): Promise<LoadedImport> {
  const abs = resolve(dir)
  const manifest = await readImportedManifest(abs)
  await checkSourceFiles(manifest)
  const files = new Map<string, Uint8Array>()
  for (const [file, expected] of Object.entries(manifest.files)) {
    const bytes = await readRegularFile(join(abs, file), { maxBytes: GRAPH_BYTES, label: file, root: abs })
    if (sha256(bytes) !== expected)
      throw new EngineFailure(
        'model_invalid',
        `${file}: sha256 mismatch (the package was changed after import; import the folder again)`
      )
    files.set(file, bytes)
  }
  // Before any session: a package that cannot fit is refused by name (weights from file sizes).
  assertFitsMemory(
    manifest.id,
    importedEstimate(manifest, (f) => files.get(f)?.length ?? 0, options.size),
    options.memoryBytes
  )
  const graphs = new Map<string, ModelProto>()
  const graph = (file: string): ModelProto => {
    let g = graphs.get(file)
    if (!g) {
      const decoded = tryDecodeModel(files.get(file) as Uint8Array)
      if ('error' in decoded)
        throw new EngineFailure('model_invalid', `${file}: not a readable ONNX model (${decoded.error})`)
      g = decoded.model
      graphs.set(file, g)
    }
    return g
  }
  const src = manifest.source.dir
  const tuning = options.tuning ?? DEFAULT_TUNING
  const made: Session[] = []
  const componentBytes = async (c: string) => {
    const file = manifest.components[c].file
    return readRegularFile(join(src, file), { maxBytes: GRAPH_BYTES, label: file, root: src })
  }
  const folderOf = (rel: string | undefined) => (rel === undefined ? undefined : join(src, rel))
  const create = async (
    bytes: Uint8Array,
    label: string,
    provider: ConcreteProvider,
    ext: string | undefined
  ) => {
    try {
      const s = await Session.create(bytes, label, provider, tuning, ext)
      made.push(s)
      return s
    } catch (e) {
      throw new EngineFailure(
        'model_invalid',
        `${label}: ONNX Runtime refused it on ${provider} (${(e as Error).message})`
      )
    }
  }
  const readText = async (file: string) =>
    readRegularText(join(src, file), { maxBytes: TEXT_BYTES, label: file, root: src })
  try {
    // Components no transformer was cut from get a session each; the first one made picks the
    // provider (auto falls back as LoadedModel does), or the first embed graph where there is none.
    const cutFrom = new Set(manifest.transformers.map((t) => t.component))
    const names = Object.keys(manifest.components).filter((c) => !cutFrom.has(c))
    const firstGraph =
      names.length > 0
        ? {
            bytes: await componentBytes(names[0]),
            label: manifest.components[names[0]].file,
            ext: folderOf(manifest.components[names[0]].externalDataDir)
          }
        : {
            bytes: compilePiece(
              graph(manifest.transformers[0].embed.file),
              manifest.transformers[0].embed.file
            ),
            label: manifest.transformers[0].embed.file,
            ext: join(src, manifest.transformers[0].externalDataDir)
          }
    let provider: ConcreteProvider | null = null
    const errors: string[] = []
    let firstSession: Session | null = null
    for (const p of providerCandidates(options.provider)) {
      try {
        firstSession = await create(firstGraph.bytes, firstGraph.label, p, firstGraph.ext)
        provider = p
        break
      } catch (e) {
        errors.push(`${p}: ${(e as Error).message}`)
      }
    }
    if (!provider || !firstSession)
      throw new EngineFailure(
        'model_invalid',
        `${firstGraph.label}: no execution provider could load it (${errors.join('; ')})`
      )
    const sessions = new Map<string, Session>()
    if (names.length > 0) sessions.set(names[0], firstSession)
    for (const c of names.slice(1)) {
      const g = manifest.components[c]
      sessions.set(c, await create(await componentBytes(c), g.file, provider, folderOf(g.externalDataDir)))
    }
    const tokenizers = new Map<string, { json: string; config: string | null }>()
    for (const [name, t] of Object.entries(manifest.tokenizers)) {
      const configFile = join(dirname(t.file), 'tokenizer_config.json')
      const config = existsSync(join(src, configFile)) ? await readText(configFile) : null
      tokenizers.set(name, { json: await readText(t.file), config })
    }
    const transformers: LoadedTransformer[] = []
    const source: GraphSource = { bytes: (f) => files.get(f) as Uint8Array, graph }
    for (const t of manifest.transformers) {
      const ext = join(src, t.externalDataDir)
      const make = contextPrograms(t, source, provider, tuning, {
        ...options,
        externalDataDir: ext,
        crossBlockReads: t.crossBlockReads
      })
      const embed =
        names.length === 0 && t === manifest.transformers[0]
          ? firstSession
          : await create(compilePiece(graph(t.embed.file), t.embed.file), t.embed.file, provider, ext)
      const final = await create(compilePiece(graph(t.final.file), t.final.file), t.final.file, provider, ext)
      transformers.push(new LoadedTransformer(t, embed, final, make))
    }
    const chosen = provider
    const missing = (what: string, name: string): never => {
      throw new EngineFailure('model_invalid', `${manifest.id}: the package has no ${what} "${name}"`)
    }
    return {
      manifest,
      dir: abs,
      provider: chosen,
      transformers,
      transformerFor(sigma: number) {
        const t = transformers.find(
          (x) => x.manifest.timestepRange[0] <= sigma && sigma <= x.manifest.timestepRange[1]
        )
        if (!t)
          throw new EngineFailure('model_invalid', `${manifest.id}: no transformer serves sigma ${sigma}`)
        return t
      },
      transformer: (name) =>
        transformers.find((t) => t.manifest.name === name) ?? missing('transformer', name),
      hasSession: (c) => sessions.has(c),
      session: (c) => sessions.get(c) ?? missing('component', c),
      tokenizerJson: (name) => tokenizers.get(name)?.json ?? missing('tokenizer', name),
      tokenizerConfigJson: (name) => (tokenizers.get(name) ?? missing('tokenizer', name)).config,
      async release() {
        await Promise.all(transformers.map((t) => t.release()))
        await Promise.all([...sessions.values()].map((s) => s.release()))
      }
    }
  } catch (e) {
    await Promise.all(made.map((s) => s.release().catch(() => undefined)))
    throw e
  }
}

/** Every source file must still have the size and mtime it had at import. */
async function checkSourceFiles(manifest: ImportedManifest): Promise<void> {
  const src = manifest.source.dir
  for (const [file, want] of Object.entries(manifest.sourceFiles)) {
    let st
    try {
      st = await lstat(join(src, file))
    } catch {
      throw new EngineFailure(
        'model_invalid',
        `${join(src, file)}: missing (the imported folder changed; import it again)`
      )
    }
    if (!st.isFile())
      throw new EngineFailure('model_invalid', `${join(src, file)}: no longer a regular file; refused`)
    if (st.size !== want.size || st.mtimeMs !== want.mtimeMs)
      throw new EngineFailure(
        'model_invalid',
        `${join(src, file)}: changed since import (${st.size} bytes, was ${want.size}); import the folder again`
      )
  }
}

export type { ImportedManifest }
