import ort from 'onnxruntime-node'
import type { ConcreteProvider } from '../../../shared/providers'
import { runtimeFailure } from '../errors'
import { tensor, type Tensor } from '../tensor'
import { fromFloat16Bits, toFloat16Bits } from './float16'

/**
 * The module that touches onnxruntime-node's sessions (with session-lane.ts, its worker-thread
 * twin). The rest of the engine talks to `Session` with our own float32 `Tensor` (and int64 token
 * ids), so a change of runtime or of its tensor type stays here.
 *
 * An fp16 export's text encoders and VAE decoders take and return float16: the session converts
 * at its edge (a float32 feed to a float16 input is rounded to it; `run` widens a float16 output
 * to float32; model/float16.ts), so the pipelines feed and read float32 whatever the graph's I/O
 * type. This, rather than Casts added around the graph at load, because it costs about what the
 * Casts would at run time and nothing at load (tools/bench/float16-edge.mts, Node 20 on this project's 2-core machine): a
 * 1024² RGB image's 3.1 M values convert in 10–25 ms each way, where ONNX Runtime's own Cast of
 * them takes 7–17 ms, while Casts at load mean decoding and re-encoding the graph's protobuf
 * (an fp16 CLIP or VAE decoder keeps its 100–250 MB of weights inside model.onnx): 85–165 ms per
 * 160 MB, a second copy of the weights meanwhile, and every loader (imports, folders) doing it.
 * The transformer's cut graphs get their Casts at import instead (import/emit.ts); `runMixed`
 * leaves their non-float32 outputs opaque, as the next graph reads them unchanged.
 */

export interface Int64Tensor {
  readonly int64: BigInt64Array
  readonly dims: readonly number[]
}

/**
 * A tensor of another element type than float32 that one graph returns and another reads
 * unchanged: an imported model's int64 shape tensors or fp16 context tensors. The engine never
 * reads its values; only this module knows what it holds.
 */
export interface OpaqueTensor {
  readonly opaque: unknown
  readonly dims: readonly number[]
  /** ONNX Runtime's name of its element type (e.g. 'int64', 'float16'). */
  readonly type: string
}

export type Feed = Tensor | Int64Tensor | OpaqueTensor

/** What runMixed returns: float32 outputs as the engine's tensors, others opaque. */
export type Fetched = Tensor | OpaqueTensor

export function isOpaque(v: Feed | Fetched): v is OpaqueTensor {
  return 'opaque' in v
}

/**
 * A run's outputs as runMixed returns them: float32 ones as the engine's tensors, the others
 * opaque around the runtime's own value (an ort.Tensor here, the lane's wire tensor there), which
 * is what a later feed hands back unchanged.
 */
export function fetchedOutputs(
  results: Readonly<Record<string, { type: string; data: unknown; dims: readonly number[] }>>
): Record<string, Fetched> {
  const out: Record<string, Fetched> = {}
  for (const [name, value] of Object.entries(results)) {
    out[name] =
      value.type === 'float32'
        ? tensor(value.data as Float32Array, value.dims)
        : { opaque: value, dims: value.dims, type: value.type }
  }
  return out
}

export interface SessionTuning {
  /** Threads one operator may use; 0 lets ORT pick (all cores). */
  intraOpThreads: number
  /**
   * Session lanes for CFG's two branches: 2 runs the uncond call's block sessions in a worker
   * thread of their own, concurrently with the cond call (model/session-lane.ts). 1 (default):
   * the branches run one after the other. Each lane's sessions use `intraOpThreads`.
   */
  cfgLanes?: 1 | 2
  /**
   * CFG's two branches in one session call wherever they run the same range of blocks (batch 2,
   * model/cfg-pairing.ts), each branch's cache on its own rows; with one lane, segments mode only.
   * Off by default: the rows round differently from two batch-1 calls (~1e-6).
   */
  cfgBatch?: boolean
  /**
   * Whether the intra-op pool's threads spin while waiting for work (ONNX Runtime's
   * `session.intra_op.allow_spinning`); off by default (docs/engine.md, "Sessions").
   */
  spinning?: boolean
}

/** What the block programs need of a session, local or in a lane. */
export interface RunnableSession {
  readonly label: string
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  runMixed(feeds: Record<string, Feed>, fetch?: readonly string[]): Promise<Record<string, Fetched>>
  release(): Promise<void>
}

/** ORT's own choice (one thread per physical core); the app's settings may lower it. */
export const DEFAULT_TUNING: SessionTuning = { intraOpThreads: 0 }

export interface ValueInfo {
  name: string
  type: string
  /** Numbers for fixed dims, names for symbolic ones (e.g. 'batch'). */
  shape: readonly (number | string)[]
}

export function sessionOptions(
  provider: ConcreteProvider,
  tuning: SessionTuning,
  externalDataDir: string | undefined
): ort.InferenceSession.SessionOptions {
  const spin = tuning.spinning === true ? '1' : '0'
  const session: Record<string, unknown> = {
    intra_op: { allow_spinning: spin },
    inter_op: { allow_spinning: spin }
  }
  // A graph made from bytes has no folder of its own: ONNX Runtime resolves its external-data
  // locations (relative, without '..': it refuses others) in this folder, and refuses external
  // data altogether without it. Imported models' cut graphs point into their source folder.
  if (externalDataDir !== undefined) session.model_external_initializers_file_folder_path = externalDataDir
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: tuning.intraOpThreads,
    interOpNumThreads: 1,
    // Chained sessions spin their intra-op threads against each other when spinning is on:
    // 16 per-block sessions ran 10× slower than one graph with it, 1.3× without it
    // (measured; docs/engine.md, "Sessions").
    extra: { session }
  }
}

export class Session implements RunnableSession {
  readonly #session: ort.InferenceSession
  readonly provider: ConcreteProvider
  /** What the graph was made from, for error messages: a file name or a segment label. */
  readonly label: string

  /** The graph's float16 inputs: a float32 feed to one is rounded to float16 (see the top). */
  readonly #halfInputs: ReadonlySet<string>

  private constructor(session: ort.InferenceSession, provider: ConcreteProvider, label: string) {
    this.#session = session
    this.provider = provider
    this.label = label
    this.#halfInputs = new Set(
      session.inputMetadata.filter((m) => m.isTensor && m.type === 'float16').map((m) => m.name)
    )
  }

  static async create(
    model: Uint8Array,
    label: string,
    provider: ConcreteProvider,
    tuning: SessionTuning = DEFAULT_TUNING,
    externalDataDir?: string
  ): Promise<Session> {
    const session = await ort.InferenceSession.create(
      model,
      sessionOptions(provider, tuning, externalDataDir)
    )
    return new Session(session, provider, label)
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames
  }

  get inputs(): ValueInfo[] {
    return this.#session.inputMetadata.map(describe)
  }

  get outputs(): ValueInfo[] {
    return this.#session.outputMetadata.map(describe)
  }

  /**
   * Runs the graph; every output comes back float32 (the engine's tensors are): a float16 one
   * widened exactly, any other type refused.
   */
  async run(feeds: Record<string, Feed>, fetch?: readonly string[]): Promise<Record<string, Tensor>> {
    const out: Record<string, Tensor> = {}
    for (const [name, value] of Object.entries(await this.runMixed(feeds, fetch))) {
      if (isOpaque(value)) {
        if (value.type !== 'float16')
          throw new Error(`${this.label}: output "${name}" is ${value.type}, the engine expects float32`)
        out[name] = tensor(fromFloat16Bits(halfBits(value.opaque)), value.dims)
      } else out[name] = value
    }
    return out
  }

  /** Runs the graph; outputs that are not float32 come back opaque, to be fed to another graph. */
  async runMixed(feeds: Record<string, Feed>, fetch?: readonly string[]): Promise<Record<string, Fetched>> {
    const ortFeeds: Record<string, ort.Tensor> = {}
    for (const [name, value] of Object.entries(feeds)) {
      ortFeeds[name] = isOpaque(value)
        ? asOrtTensor(value.opaque)
        : 'int64' in value
          ? new ort.Tensor('int64', value.int64, [...value.dims])
          : this.#halfInputs.has(name)
            ? new ort.Tensor('float16', toFloat16Bits(value.data), [...value.dims])
            : new ort.Tensor('float32', value.data, [...value.dims])
    }
    let results: ort.InferenceSession.ReturnType
    try {
      results = fetch ? await this.#session.run(ortFeeds, [...fetch]) : await this.#session.run(ortFeeds)
    } catch (e) {
      // An allocation ORT could not make is the machine's limit (`resources`), not an engine bug.
      throw runtimeFailure(e, this.label)
    }
    return fetchedOutputs(results)
  }

  async release(): Promise<void> {
    await this.#session.release()
  }
}

/** An opaque tensor from this thread's sessions, or one that came back from a session lane. */
function asOrtTensor(opaque: unknown): ort.Tensor {
  if (opaque instanceof ort.Tensor) return opaque
  const t = opaque as { type: ort.Tensor.Type; data: ort.Tensor.DataType; dims: readonly number[] }
  return new ort.Tensor(t.type, t.data as Float32Array, [...t.dims])
}

/**
 * A float16 output's bits: onnxruntime-common holds them in a Uint16Array, or in a Float16Array
 * where the JavaScript engine has one (Electron's does, Node 20's does not); the bytes are the same.
 */
function halfBits(opaque: unknown): Uint16Array {
  const data = (opaque as { data: ArrayBufferView }).data
  return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
}

function describe(m: ort.InferenceSession.ValueMetadata): ValueInfo {
  if (!m.isTensor) return { name: m.name, type: 'non-tensor', shape: [] }
  return { name: m.name, type: m.type, shape: m.shape }
}
