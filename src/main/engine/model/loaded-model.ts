import { contextCrossReads, type CrossBlockRead } from '../../../shared/cross-block-reads'
import { contextLists } from '../../../shared/context-lists'
import type { TransformerManifest } from '../../../shared/manifest'
import type { ConcreteProvider, Provider } from '../../../shared/providers'
import { EngineFailure, isEngineFailure, runtimeFailure } from '../errors'
import { PromptTokenizer } from '../pipeline/tokenizer'
import { BlockProgram, type BlockMode } from './block-program'
import type { ModelProto } from './onnx-graph'
import type { ModelPackage } from './package'
import { compilePiece } from './segments'
import { providerCandidates } from './providers'
import { DEFAULT_TUNING, Session, type SessionTuning } from './session'

/** A verified package with its sessions on one execution provider, ready to generate. */

export interface LoadOptions {
  provider: Provider
  tuning?: SessionTuning
  /** `segments` (default) fuses block ranges; `blocks` runs one session per block (benchmark baseline). */
  blockMode?: BlockMode
  /** Longest run of blocks fused into one graph (default DEFAULT_MAX_SEGMENT_BLOCKS). */
  maxSegmentBlocks?: number
}

/** Where a transformer's graphs come from: the bytes and the parsed proto of a package file. */
export interface GraphSource {
  bytes(file: string): Uint8Array
  graph(file: string): ModelProto
}

/**
 * The block programs of a transformer's cache contexts (shared/context-lists.ts). The first context's first
 * segment also runs the embed graph, the last context's segments that end at its last block the
 * final graph. Shared by the engine's own packages and imported ones (externalDataDir).
 */
export function contextPrograms(
  t: TransformerManifest,
  source: GraphSource,
  provider: ConcreteProvider,
  tuning: SessionTuning,
  options: {
    blockMode?: BlockMode
    maxSegmentBlocks?: number
    externalDataDir?: string
    /** An imported transformer's cross-block reads (ImportedTransformerSchema.crossBlockReads). */
    crossBlockReads?: readonly CrossBlockRead[]
  }
): (merge: boolean) => BlockProgram[] {
  return (merge) => {
    const sizes = t.blockLists.map((l) => ({ name: l.name, blocks: l.blocks.length }))
    const lists = contextLists(sizes, merge)
    const crossReads = contextCrossReads(sizes, merge, options.crossBlockReads ?? [])
    return lists.map(
      (l, i) =>
        new BlockProgram(
          t.name,
          l.name,
          // A merged context runs its lists' blocks in order under the first list's pattern
          // (LoadedTransformer.contexts merges only lists of one pattern).
          t.blockLists[l.lists[0]].pattern,
          l.lists
            .flatMap((j) => t.blockLists[j].blocks)
            .map((file) => ({ file, bytes: source.bytes(file), model: source.graph(file) })),
          provider,
          tuning,
          options.blockMode ?? 'segments',
          {
            maxSegmentBlocks: options.maxSegmentBlocks,
            embed: i === 0 ? source.graph(t.embed.file) : null,
            final: i === lists.length - 1 ? source.graph(t.final.file) : null,
            crossReads: crossReads[i],
            ...(options.externalDataDir !== undefined ? { externalDataDir: options.externalDataDir } : {})
          }
        )
    )
  }
}

export class LoadedTransformer {
  readonly manifest: TransformerManifest
  readonly embed: Session
  readonly final: Session
  readonly #programs = new Map<boolean, BlockProgram[]>()
  readonly #make: (merge: boolean) => BlockProgram[]

  constructor(
    manifest: TransformerManifest,
    embed: Session,
    final: Session,
    make: (merge: boolean) => BlockProgram[]
  ) {
    this.manifest = manifest
    this.embed = embed
    this.final = final
    this.#make = make
  }

  /**
   * The cache contexts of one call: with `merge` and one pattern across all lists, a single
   * context spans the concatenated lists (named 'a+b', as CacheDiT does for FLUX); else one per list.
   */
  contexts(merge: boolean): BlockProgram[] {
    const canMerge = merge && new Set(this.manifest.blockLists.map((l) => l.pattern)).size === 1
    let programs = this.#programs.get(canMerge)
    if (!programs) {
      programs = this.#make(canMerge)
      this.#programs.set(canMerge, programs)
    }
    return programs
  }

  async release(): Promise<void> {
    for (const programs of this.#programs.values()) await Promise.all(programs.map((p) => p.release()))
    await Promise.all([this.embed.release(), this.final.release()])
  }
}

export class LoadedModel {
  readonly pkg: ModelPackage
  readonly provider: ConcreteProvider
  readonly tokenizer: PromptTokenizer
  readonly textEncoder: Session
  readonly transformers: readonly LoadedTransformer[]
  readonly decoder: Session | null

  private constructor(
    pkg: ModelPackage,
    provider: ConcreteProvider,
    tokenizer: PromptTokenizer,
    textEncoder: Session,
    transformers: LoadedTransformer[],
    decoder: Session | null
  ) {
    this.pkg = pkg
    this.provider = provider
    this.tokenizer = tokenizer
    this.textEncoder = textEncoder
    this.transformers = transformers
    this.decoder = decoder
  }

  static async load(pkg: ModelPackage, options: LoadOptions): Promise<LoadedModel> {
    const m = pkg.manifest
    const tuning = options.tuning ?? DEFAULT_TUNING
    const tokenizer = new PromptTokenizer(pkg.text(m.tokenizer.file), m.tokenizer.maxLength, m.tokenizer.file)
    const { provider, session: textEncoder } = await firstWorkingProvider(pkg, options.provider, tuning)
    // Sessions made before a later one fails are released, not leaked.
    const made: Session[] = [textEncoder]
    // piece: a transformer's embed or final graph, fused as the segments that contain it are.
    const session = async (file: string, piece = false) => {
      const bytes = piece ? compilePiece(pkg.graph(file), file) : (pkg.files.get(file) as Uint8Array)
      const s = await createSession(pkg, file, bytes, provider, tuning)
      made.push(s)
      return s
    }
    try {
      return await LoadedModel.#build(pkg, options, provider, tuning, tokenizer, textEncoder, session)
    } catch (e) {
      await Promise.all(made.map((s) => s.release().catch(() => undefined)))
      throw e
    }
  }

  static async #build(
    pkg: ModelPackage,
    options: LoadOptions,
    provider: ConcreteProvider,
    tuning: SessionTuning,
    tokenizer: PromptTokenizer,
    textEncoder: Session,
    session: (file: string, piece?: boolean) => Promise<Session>
  ): Promise<LoadedModel> {
    const m = pkg.manifest
    const transformers: LoadedTransformer[] = []
    const source: GraphSource = { bytes: (f) => pkg.files.get(f) as Uint8Array, graph: (f) => pkg.graph(f) }
    for (const t of m.transformers) {
      const make = contextPrograms(t, source, provider, tuning, options)
      transformers.push(
        new LoadedTransformer(t, await session(t.embed.file, true), await session(t.final.file, true), make)
      )
    }
    const decoder = m.decoder ? await session(m.decoder.file) : null
    return new LoadedModel(pkg, provider, tokenizer, textEncoder, transformers, decoder)
  }

  get manifest() {
    return this.pkg.manifest
  }

  /** The expert serving this sigma: the first whose timestepRange contains it (manifest order). */
  transformerFor(sigma: number): LoadedTransformer {
    const t = this.transformers.find(
      (x) => x.manifest.timestepRange[0] <= sigma && sigma <= x.manifest.timestepRange[1]
    )
    if (!t)
      throw new EngineFailure('model_invalid', `${this.manifest.id}: no transformer serves sigma ${sigma}`)
    return t
  }

  async release(): Promise<void> {
    await Promise.all([
      ...this.transformers.map((t) => t.release()),
      this.textEncoder.release(),
      this.decoder?.release()
    ])
  }
}

async function createSession(
  pkg: ModelPackage,
  file: string,
  bytes: Uint8Array,
  provider: ConcreteProvider,
  tuning: SessionTuning
): Promise<Session> {
  try {
    return await Session.create(bytes, file, provider, tuning)
  } catch (e) {
    throw runtimeFailure(e, `${pkg.manifest.id}: ${file}`, {
      code: 'model_invalid',
      message: `${file}: ONNX Runtime refused it on ${provider} (${(e as Error).message})`
    })
  }
}

/**
 * `auto` tries the best provider first and falls back when its session cannot be created (a GPU
 * listed but without drivers, say); the provider that worked is the one reported.
 */
async function firstWorkingProvider(pkg: ModelPackage, requested: Provider, tuning: SessionTuning) {
  const file = pkg.manifest.textEncoder.file
  const candidates = providerCandidates(requested)
  const errors: string[] = []
  for (const provider of candidates) {
    try {
      return {
        provider,
        session: await Session.create(pkg.files.get(file) as Uint8Array, file, provider, tuning)
      }
    } catch (e) {
      const failure = runtimeFailure(e, `${pkg.manifest.id}: ${file}`)
      // Out of memory on one provider is not a reason to try the next: it needs the same weights.
      if (isEngineFailure(failure) && failure.code === 'resources') throw failure
      errors.push(`${provider}: ${(e as Error).message}`)
    }
  }
  const code = requested === 'auto' || candidates.length > 1 ? 'model_invalid' : 'provider_unavailable'
  throw new EngineFailure(code, `${file}: no execution provider could load it (${errors.join('; ')})`)
}
