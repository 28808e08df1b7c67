import { join } from 'node:path'
import type { TransformerManifest } from '../../../shared/manifest'
import type { ConcreteProvider, Provider } from '../../../shared/providers'
import { EngineFailure } from '../errors'
import { LoadedTransformer } from '../model/loaded-model'
import { providerCandidates } from '../model/providers'
import { readRegularFile } from '../model/safe-read'
import { DEFAULT_TUNING, Session, type Feed, type SessionTuning } from '../model/session'
import type { TransformerCall } from './transformer-call'

/**
 * What every family's whole-graph loader (an ONNX pipeline folder run as it is, the transformer
 * one graph: how replay checks a pipeline against diffusers) does the same way: the folder's
 * sessions on one provider, the transformer as a LoadedTransformer without block programs, and
 * the call that feeds the exporter's input names from the engine's.
 */

const MAX_GRAPH_BYTES = 2 * 1024 * 1024 * 1024

/** A folder's sessions, all on the provider its first graph loaded with. */
export interface FolderSessions {
  provider: ConcreteProvider
  /** The first graph's session. */
  first: Session
  /** Another graph of the folder on the same provider; ONNX Runtime's refusal names the file. */
  session(rel: string): Promise<Session>
  /** Releases every session made (the model's release). */
  release(): Promise<void>
}

export interface FolderSessionOptions {
  provider: Provider
  /** Default: DEFAULT_TUNING. */
  tuning?: SessionTuning
  /** Each graph reads its external data from its own folder (Wan's exports). */
  externalData?: boolean
}

/**
 * Opens `firstRel` on the first of the requested provider's candidates that loads it, then runs
 * `build` with the folder's sessions; if `build` throws, every session made is released.
 */
export async function withFolderSessions<T>(
  dir: string,
  firstRel: string,
  options: FolderSessionOptions,
  build: (sessions: FolderSessions) => Promise<T>
): Promise<T> {
  const tuning = options.tuning ?? DEFAULT_TUNING
  const made: Session[] = []
  const graph = (rel: string) =>
    readRegularFile(join(dir, rel), { maxBytes: MAX_GRAPH_BYTES, root: dir, label: rel })
  const dataDir = (rel: string) => (options.externalData ? join(dir, rel, '..') : undefined)
  try {
    const bytes = await graph(firstRel)
    const errors: string[] = []
    let first: { provider: ConcreteProvider; session: Session } | null = null
    for (const provider of providerCandidates(options.provider)) {
      try {
        first = {
          provider,
          session: await Session.create(bytes, firstRel, provider, tuning, dataDir(firstRel))
        }
        break
      } catch (e) {
        errors.push(`${provider}: ${(e as Error).message}`)
      }
    }
    if (!first)
      throw new EngineFailure(
        'model_invalid',
        `${join(dir, firstRel)}: no execution provider could load it (${errors.join('; ')})`
      )
    made.push(first.session)
    const { provider } = first
    const session = async (rel: string) => {
      const s = await Session.create(await graph(rel), rel, provider, tuning, dataDir(rel)).catch(
        (e: Error) => {
          throw new EngineFailure(
            'model_invalid',
            `${join(dir, rel)}: ONNX Runtime refused it (${e.message})`
          )
        }
      )
      made.push(s)
      return s
    }
    return await build({
      provider,
      first: first.session,
      session,
      release: async () => {
        await Promise.all(made.map((s) => s.release()))
      }
    })
  } catch (e) {
    await Promise.all(made.map((s) => s.release().catch(() => undefined)))
    throw e
  }
}

/**
 * A whole transformer graph as the engine's LoadedTransformer: no block programs, so the family's
 * whole-graph call runs it and the step cache never does (`cacheable: false`).
 */
export function wholeTransformer(
  whole: Session,
  t: { name: string; file: string; timestepRange: [number, number]; list?: string; pattern?: string }
): LoadedTransformer {
  const manifest = {
    name: t.name,
    timestepRange: t.timestepRange,
    embed: { file: t.file },
    blockLists: [{ name: t.list ?? 'whole', pattern: t.pattern ?? 'Pattern_1', blocks: [] }],
    final: { file: t.file }
  } as unknown as TransformerManifest
  return new LoadedTransformer(manifest, whole, whole, () => [])
}

export interface WholeGraphInputs {
  /** The exporter's text inputs by the engine's names (encoder_hidden_states: 'text_hidden'). */
  text: Readonly<Record<string, string>>
  /** Feed any other input from the text inputs of its own name (img_ids, guidance, resolution). */
  passOthers?: boolean
  /** Give an int64 input (a mask, a timestep exported as int64) the values as integers. */
  castInt64?: boolean
}

/**
 * The transformer call of a whole graph: hidden_states ← latent, timestep ← timestep, each text
 * input from its engine name; an input with no value is refused by name.
 */
export function wholeGraphCall(whole: Session, names: WholeGraphInputs): TransformerCall {
  const types = new Map(whole.inputs.map((v) => [v.name, v.type]))
  const output = whole.outputNames[0]
  return async (_t, inputs, site) => {
    const feeds: Record<string, Feed> = {}
    for (const name of whole.inputNames) {
      const engineName = names.text[name] ?? (names.passOthers ? name : undefined)
      const value =
        name === 'hidden_states'
          ? inputs.latent
          : name === 'timestep'
            ? inputs.timestep
            : engineName === undefined
              ? undefined
              : inputs.text[engineName]
      if (!value) throw new EngineFailure('model_invalid', `${whole.label}: no value for its input "${name}"`)
      feeds[name] =
        names.castInt64 && types.get(name) === 'int64'
          ? { int64: BigInt64Array.from(value.data, (v) => BigInt(Math.round(v))), dims: value.dims }
          : value
    }
    site.beforeCall()
    const out = await whole.run(feeds, [output])
    return out[output]
  }
}

/**
 * The fields every whole-graph model has: the folder as its id, its whole transformer (one
 * LoadedTransformer named 'transformer', called by `call`), not cacheable, released with its
 * sessions. The family adds its configs, defaults, encoders and decoder.
 */
export function wholeGraphModel(
  dir: string,
  s: FolderSessions,
  whole: Session,
  t: { file: string; timestepRange: [number, number]; call: TransformerCall }
) {
  const transformer = wholeTransformer(whole, {
    name: 'transformer',
    file: t.file,
    timestepRange: t.timestepRange
  })
  return {
    transformer,
    common: {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider: s.provider,
      transformers: [transformer],
      call: t.call,
      cacheable: false,
      release: s.release
    }
  }
}

/**
 * An image family's VAE decoder (vae_decoder/model.onnx) and whole transformer graph (`file`),
 * opened in that order after its encoders, with the fields every whole-graph model has
 * (wholeGraphModel). `call` makes the family's call of the whole graph.
 */
export async function wholeImageGraphs(
  dir: string,
  s: FolderSessions,
  t: { file: string; timestepRange: [number, number]; call: (whole: Session) => TransformerCall }
): Promise<{ vae: Session; whole: Session } & ReturnType<typeof wholeGraphModel>> {
  const vae = await s.session('vae_decoder/model.onnx')
  const whole = await s.session(t.file)
  return { vae, whole, ...wholeGraphModel(dir, s, whole, { ...t, call: t.call(whole) }) }
}
