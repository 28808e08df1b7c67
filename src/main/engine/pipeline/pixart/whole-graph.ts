import { join } from 'node:path'
import { z } from 'zod'
import type { Provider } from '../../../../shared/providers'
import type { TransformerManifest } from '../../../../shared/manifest'
import { EngineFailure } from '../../errors'
import { LoadedTransformer } from '../../model/loaded-model'
import { providerCandidates } from '../../model/providers'
import { readRegularFile, readRegularText } from '../../model/safe-read'
import { DEFAULT_TUNING, Session, type Feed, type SessionTuning } from '../../model/session'
import { FluxTokenizer } from '../flux/tokenize'
import { unsupportedDPMSolverField } from '../schedulers/dpm-solver'
import type { TransformerCall } from '../transformer-call'
import {
  PixArtModelIndexSchema,
  PixArtSchedulerConfigSchema,
  PixArtTransformerConfigSchema,
  PixArtVaeConfigSchema,
  pixartVaeScale,
  type PixArtConfigs
} from './configs'
import type { PixArtModel } from './model'
import { parsePythonJson } from './python-json'
import { pixartShape } from './shape'

/**
 * An ONNX PixArtSigmaPipeline folder (optimum-onnx layout) run as it is: every component one
 * session, the transformer its one whole graph called with the exporter's input names. Nothing is
 * cut, so nothing can be cached; this is how replay checks the pipeline itself against diffusers.
 */

export interface PixArtWholeGraphOptions {
  provider: Provider
  tuning?: SessionTuning
}

const MAX_GRAPH_BYTES = 2 * 1024 * 1024 * 1024
const MAX_JSON_BYTES = 64 * 1024 * 1024
/** PixArtSigmaPipeline's max_sequence_length default. */
export const PIXART_MAX_SEQUENCE_LENGTH = 300

const TokenizerConfigSchema = z.object({ model_max_length: z.number().positive() }).passthrough()

/** Reads one JSON file of the folder (Python's -Infinity allowed) against its schema. */
export async function readPixArtJson<T>(dir: string, rel: string, schema: z.ZodType<T>): Promise<T> {
  const text = await readRegularText(join(dir, rel), { maxBytes: MAX_JSON_BYTES, root: dir, label: rel })
  const parsed = schema.safeParse(parsePythonJson(text, join(dir, rel)))
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, rel)}: ${i.path.join('.') || '(root)'}: ${i.message}`
    )
  }
  return parsed.data
}

/** scheduler, VAE and transformer configs of a PixArtSigmaPipeline folder, checked. */
export async function readPixArtConfigs(dir: string, transformerDir = 'transformer'): Promise<PixArtConfigs> {
  await readPixArtJson(dir, 'model_index.json', PixArtModelIndexSchema)
  const configs: PixArtConfigs = {
    scheduler: await readPixArtJson(dir, 'scheduler/scheduler_config.json', PixArtSchedulerConfigSchema),
    vae: await readPixArtJson(dir, 'vae_decoder/config.json', PixArtVaeConfigSchema),
    transformer: await readPixArtJson(dir, `${transformerDir}/config.json`, PixArtTransformerConfigSchema)
  }
  const unsupported = unsupportedDPMSolverField(configs.scheduler)
  if (unsupported)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'scheduler/scheduler_config.json')}: ${unsupported}`
    )
  return configs
}

/** The folder's T5 tokenizer and the length PixArtSigmaPipeline pads to. */
export async function readPixArtTokenizer(
  dir: string
): Promise<{ tokenizer: FluxTokenizer; maxLength: number }> {
  const text = (rel: string) =>
    readRegularText(join(dir, rel), { maxBytes: MAX_JSON_BYTES, root: dir, label: rel })
  const configText = await text('tokenizer/tokenizer_config.json')
  const max = (await readPixArtJson(dir, 'tokenizer/tokenizer_config.json', TokenizerConfigSchema))
    .model_max_length
  return {
    tokenizer: new FluxTokenizer(
      await text('tokenizer/tokenizer.json'),
      configText,
      join(dir, 'tokenizer/tokenizer.json')
    ),
    maxLength: Math.min(max, PIXART_MAX_SEQUENCE_LENGTH)
  }
}

export async function loadWholeGraphPixArt(
  dir: string,
  options: PixArtWholeGraphOptions
): Promise<PixArtModel> {
  const configs = await readPixArtConfigs(dir)
  const { tokenizer, maxLength } = await readPixArtTokenizer(dir)
  const tuning = options.tuning ?? DEFAULT_TUNING
  const made: Session[] = []
  const graph = (rel: string) =>
    readRegularFile(join(dir, rel), { maxBytes: MAX_GRAPH_BYTES, root: dir, label: rel })
  try {
    const first = await firstProvider(dir, options.provider, tuning, await graph('text_encoder/model.onnx'))
    made.push(first.session)
    const session = async (rel: string) => {
      const s = await Session.create(await graph(rel), rel, first.provider, tuning).catch((e: Error) => {
        throw new EngineFailure('model_invalid', `${join(dir, rel)}: ONNX Runtime refused it (${e.message})`)
      })
      made.push(s)
      return s
    }
    const vae = await session('vae_decoder/model.onnx')
    const whole = await session('transformer/model.onnx')
    const shape = pixartShape(whole.inputs, configs, join(dir, 'transformer/model.onnx'))
    const manifest = {
      name: 'transformer',
      timestepRange: [0, 1000],
      embed: { file: 'transformer/model.onnx' },
      blockLists: [{ name: 'whole', pattern: 'Pattern_1', blocks: [] }],
      final: { file: 'transformer/model.onnx' }
    } as unknown as TransformerManifest
    // No block programs: the call below runs the whole graph, never the step cache.
    const transformer = new LoadedTransformer(manifest, whole, whole, () => [])
    const scale = pixartVaeScale(configs.vae)
    const side = configs.transformer.sample_size * scale
    return {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider: first.provider,
      configs,
      defaults: {
        steps: 20,
        guidanceScale: 4.5,
        negativePrompt: '',
        width: shape.fixed?.width ?? side,
        height: shape.fixed?.height ?? side,
        maxSequenceLength: shape.fixedTextLength ?? maxLength
      },
      shape,
      tokenizer,
      textEncoder: first.session,
      vaeDecoder: vae,
      transformer,
      transformers: [transformer],
      call: pixartWholeGraphCall(whole),
      cacheable: false,
      release: async () => {
        await Promise.all(made.map((s) => s.release()))
      }
    }
  } catch (e) {
    await Promise.all(made.map((s) => s.release().catch(() => undefined)))
    throw e
  }
}

/**
 * The exporter's inputs (PixArtTransformer2DModel.forward's arguments) from the engine's names:
 * hidden_states ← latent, encoder_hidden_states ← text_hidden, timestep ← timestep,
 * encoder_attention_mask ← text_mask, added_cond_kwargs' resolution / aspect_ratio. An int64 input
 * (the mask; a timestep exported as int64) gets the values as integers.
 */
export function pixartWholeGraphCall(whole: Session): TransformerCall {
  const rename: Record<string, string> = {
    encoder_hidden_states: 'text_hidden',
    encoder_attention_mask: 'text_mask'
  }
  const types = new Map(whole.inputs.map((v) => [v.name, v.type]))
  const output = whole.outputNames[0]
  return async (_t, inputs, site) => {
    const feeds: Record<string, Feed> = {}
    for (const name of whole.inputNames) {
      const engineName = rename[name] ?? name
      const value =
        name === 'hidden_states'
          ? inputs.latent
          : name === 'timestep'
            ? inputs.timestep
            : inputs.text[engineName]
      if (!value) throw new EngineFailure('model_invalid', `${whole.label}: no value for its input "${name}"`)
      feeds[name] =
        types.get(name) === 'int64'
          ? { int64: BigInt64Array.from(value.data, (v) => BigInt(Math.round(v))), dims: value.dims }
          : value
    }
    site.beforeCall()
    const out = await whole.run(feeds, [output])
    return out[output]
  }
}

async function firstProvider(dir: string, requested: Provider, tuning: SessionTuning, bytes: Uint8Array) {
  const errors: string[] = []
  for (const provider of providerCandidates(requested)) {
    try {
      return { provider, session: await Session.create(bytes, 'text_encoder/model.onnx', provider, tuning) }
    } catch (e) {
      errors.push(`${provider}: ${(e as Error).message}`)
    }
  }
  throw new EngineFailure(
    'model_invalid',
    `${join(dir, 'text_encoder/model.onnx')}: no execution provider could load it (${errors.join('; ')})`
  )
}
