import { lstat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ImportedManifest } from '../../../shared/imported-manifest'
import type { ConcreteProvider } from '../../../shared/providers'
import { EngineFailure } from '../errors'
import { BlockProgram } from '../model/block-program'
import { contextLists, LoadedTransformer } from '../model/loaded-model'
import { tryDecodeModel, type ModelProto } from '../model/onnx-graph'
import { providerCandidates } from '../model/providers'
import { readRegularFile, readRegularText } from '../model/safe-read'
import { DEFAULT_TUNING, Session } from '../model/session'
import { sha256 } from '../model/verify-files'
import { readImportedManifest } from './imported-manifest-file'
import type {
  ImportedComponent,
  ImportedTokenizerName,
  LoadedImport,
  LoadImportedOptions
} from './loaded-import'

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
  const componentBytes = async (c: ImportedComponent) => {
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
  try {
    // The first component picks the provider (auto falls back as LoadedModel does).
    const first = await componentBytes('text_encoder')
    let provider: ConcreteProvider | null = null
    const errors: string[] = []
    let textEncoder: Session | null = null
    for (const p of providerCandidates(options.provider)) {
      try {
        textEncoder = await create(
          first,
          manifest.components.text_encoder.file,
          p,
          folderOf(manifest.components.text_encoder.externalDataDir)
        )
        provider = p
        break
      } catch (e) {
        errors.push(`${p}: ${(e as Error).message}`)
      }
    }
    if (!provider || !textEncoder)
      throw new EngineFailure(
        'model_invalid',
        `${manifest.components.text_encoder.file}: no execution provider could load it (${errors.join('; ')})`
      )
    const sessions: Record<ImportedComponent, Session> = {
      text_encoder: textEncoder,
      text_encoder_2: await create(
        await componentBytes('text_encoder_2'),
        manifest.components.text_encoder_2.file,
        provider,
        folderOf(manifest.components.text_encoder_2.externalDataDir)
      ),
      vae_decoder: await create(
        await componentBytes('vae_decoder'),
        manifest.components.vae_decoder.file,
        provider,
        folderOf(manifest.components.vae_decoder.externalDataDir)
      )
    }
    const tokenizers: Record<ImportedTokenizerName, string> = {
      tokenizer: await readRegularText(join(src, manifest.components.tokenizer.file), {
        maxBytes: TEXT_BYTES,
        label: manifest.components.tokenizer.file,
        root: src
      }),
      tokenizer_2: await readRegularText(join(src, manifest.components.tokenizer_2.file), {
        maxBytes: TEXT_BYTES,
        label: manifest.components.tokenizer_2.file,
        root: src
      })
    }
    const transformers: LoadedTransformer[] = []
    for (const t of manifest.transformers) {
      const ext = join(src, t.externalDataDir)
      const make = (merge: boolean): BlockProgram[] => {
        const lists = contextLists(t.blockLists, merge)
        return lists.map(
          (l, i) =>
            new BlockProgram(
              t.name,
              l.name,
              l.pattern,
              l.blocks.map((file) => ({ file, bytes: files.get(file) as Uint8Array, model: graph(file) })),
              provider,
              tuning,
              options.blockMode ?? 'segments',
              {
                maxSegmentBlocks: options.maxSegmentBlocks,
                embed: i === 0 ? graph(t.embed.file) : null,
                final: i === lists.length - 1 ? graph(t.final.file) : null,
                externalDataDir: ext
              }
            )
        )
      }
      const embed = await create(files.get(t.embed.file) as Uint8Array, t.embed.file, provider, ext)
      const final = await create(files.get(t.final.file) as Uint8Array, t.final.file, provider, ext)
      transformers.push(new LoadedTransformer(t, embed, final, make))
    }
    const chosen = provider
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
      session: (c) => sessions[c],
      tokenizerJson: (name) => tokenizers[name],
      async release() {
        await Promise.all(transformers.map((t) => t.release()))
        await Promise.all(Object.values(sessions).map((s) => s.release()))
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
