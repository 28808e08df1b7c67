import { join } from 'node:path'
import { z } from 'zod'
import {
  FlowMatchSchedulerConfigSchema,
  FluxTransformerConfigSchema,
  VaeConfigSchema
} from '../../../../shared/imported-manifest'
import type { Provider } from '../../../../shared/providers'
import type { TransformerManifest } from '../../../../shared/manifest'
import { EngineFailure } from '../../errors'
import { LoadedTransformer } from '../../model/loaded-model'
import { providerCandidates } from '../../model/providers'
import { readRegularFile, readRegularText } from '../../model/safe-read'
import { DEFAULT_TUNING, Session, type SessionTuning } from '../../model/session'
import type { Tensor } from '../../tensor'
import type { TransformerCall } from '../transformer-call'
import { vaeScaleFactor } from './latents'
import type { FluxModel } from './model'
import { FluxTokenizer } from './tokenize'

/**
 * An ONNX FluxPipeline folder (optimum-onnx layout) run as it is: every component one session,
 * the transformer its one whole graph called with the exporter's input names. Nothing is cut, so
 * nothing can be cached; this is how replay checks the pipeline itself against diffusers, and
 * what an imported package's cut graphs must reproduce.
 */

export interface WholeGraphOptions {
  provider: Provider
  tuning?: SessionTuning
  /** The transformer's folder relative to `dir` (default `transformer`), e.g. a variant's. */
  transformerDir?: string
}

const MAX_GRAPH_BYTES = 2 * 1024 * 1024 * 1024
const MAX_JSON_BYTES = 64 * 1024 * 1024
/** FluxPipeline refuses a longer T5 sequence. */
const MAX_T5_LENGTH = 512

const TokenizerConfigSchema = z.object({ model_max_length: z.number().positive() }).passthrough()

export async function loadWholeGraphFlux(dir: string, options: WholeGraphOptions): Promise<FluxModel> {
  const text = (rel: string) =>
    readRegularText(join(dir, rel), { maxBytes: MAX_JSON_BYTES, root: dir, label: rel })
  const json = async <T>(rel: string, schema: z.ZodType<T>): Promise<T> => {
    let raw: unknown
    try {
      raw = JSON.parse(await text(rel))
    } catch (e) {
      if (e instanceof EngineFailure) throw e
      throw new EngineFailure('model_invalid', `${join(dir, rel)}: not valid JSON (${(e as Error).message})`)
    }
    const parsed = schema.safeParse(raw)
    if (!parsed.success) {
      const i = parsed.error.issues[0]
      throw new EngineFailure(
        'model_invalid',
        `${join(dir, rel)}: ${i.path.join('.') || '(root)'}: ${i.message}`
      )
    }
    return parsed.data
  }
  await json('model_index.json', z.object({ _class_name: z.literal('FluxPipeline') }).passthrough())
  const transformerDir = options.transformerDir ?? 'transformer'
  const configs = {
    scheduler: await json('scheduler/scheduler_config.json', FlowMatchSchedulerConfigSchema),
    vae: await json('vae_decoder/config.json', VaeConfigSchema),
    transformer: await json(`${transformerDir}/config.json`, FluxTransformerConfigSchema)
  }
  const clipConfigText = await text('tokenizer/tokenizer_config.json')
  const t5ConfigText = await text('tokenizer_2/tokenizer_config.json')
  const clipMax = (await json('tokenizer/tokenizer_config.json', TokenizerConfigSchema)).model_max_length
  const t5Max = (await json('tokenizer_2/tokenizer_config.json', TokenizerConfigSchema)).model_max_length
  const clipTokenizer = new FluxTokenizer(
    await text('tokenizer/tokenizer.json'),
    clipConfigText,
    join(dir, 'tokenizer/tokenizer.json')
  )
  const t5Tokenizer = new FluxTokenizer(
    await text('tokenizer_2/tokenizer.json'),
    t5ConfigText,
    join(dir, 'tokenizer_2/tokenizer.json')
  )

  const tuning = options.tuning ?? DEFAULT_TUNING
  const made: Session[] = []
  const graph = (rel: string) =>
    readRegularFile(join(dir, rel), { maxBytes: MAX_GRAPH_BYTES, root: dir, label: rel })
  try {
    const { provider, session: clip } = await firstProvider(
      dir,
      options.provider,
      tuning,
      await graph('text_encoder/model.onnx')
    )
    made.push(clip)
    const session = async (rel: string) => {
      const s = await Session.create(await graph(rel), rel, provider, tuning).catch((e: Error) => {
        throw new EngineFailure('model_invalid', `${join(dir, rel)}: ONNX Runtime refused it (${e.message})`)
      })
      made.push(s)
      return s
    }
    const t5 = await session('text_encoder_2/model.onnx')
    const vae = await session('vae_decoder/model.onnx')
    const whole = await session(`${transformerDir}/model.onnx`)
    const manifest: TransformerManifest = {
      name: 'transformer',
      timestepRange: [0, 1],
      embed: { file: `${transformerDir}/model.onnx` },
      blockLists: [{ name: 'whole', pattern: 'Pattern_1', blocks: [] }],
      final: { file: `${transformerDir}/model.onnx` }
    } as unknown as TransformerManifest
    // No block programs: the call below runs the whole graph, never the step cache.
    const transformer = new LoadedTransformer(manifest, whole, whole, () => [])
    const scale = vaeScaleFactor(configs.vae.block_out_channels)
    return {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider,
      configs,
      defaults: { steps: 28, guidanceScale: 3.5, width: 128 * scale, height: 128 * scale },
      sizes: { multipleOf: scale * 2, max: 4096 },
      clip: { tokenizer: clipTokenizer, maxLength: clipMax, encoder: clip },
      t5: { tokenizer: t5Tokenizer, maxLength: Math.min(t5Max, MAX_T5_LENGTH), encoder: t5 },
      vaeDecoder: vae,
      transformers: [transformer],
      transformerFor: () => transformer,
      call: wholeGraphCall(whole),
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
 * The exporter's inputs from the engine's names (FluxTransformer2DModel.forward's arguments:
 * hidden_states, encoder_hidden_states, pooled_projections, timestep, img_ids, txt_ids, guidance).
 */
export function wholeGraphCall(whole: Session): TransformerCall {
  const rename: Record<string, string> = {
    hidden_states: 'latent',
    encoder_hidden_states: 'text_hidden',
    pooled_projections: 'text_pooled',
    timestep: 'timestep'
  }
  const output = whole.outputNames[0]
  return async (_t, inputs, site) => {
    const feeds: Record<string, Tensor> = {}
    for (const name of whole.inputNames) {
      const engineName = rename[name] ?? name
      const value =
        engineName === 'latent'
          ? inputs.latent
          : engineName === 'timestep'
            ? inputs.timestep
            : inputs.text[engineName]
      if (!value) throw new EngineFailure('model_invalid', `${whole.label}: no value for its input "${name}"`)
      feeds[name] = value
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
