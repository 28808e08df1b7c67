import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import type { TransformerManifest } from '../../../../shared/manifest'
import { EngineFailure } from '../../errors'
import { LoadedTransformer } from '../../model/loaded-model'
import { providerCandidates } from '../../model/providers'
import { readRegularFile } from '../../model/safe-read'
import { DEFAULT_TUNING, Session, type SessionTuning } from '../../model/session'
import type { Tensor } from '../../tensor'
import type { TransformerCall } from '../transformer-call'
import { sd3MaxLatentSide, sd3VaeScale } from './configs'
import { readSd3Configs, readSd3Tokenizer, SD3_MAX_SEQUENCE_LENGTH } from './folder'
import type { Sd3Model } from './model'

/**
 * An ONNX StableDiffusion3Pipeline folder (optimum-onnx layout) run as it is: every component one
 * session, the transformer its one whole graph called with the exporter's input names. Nothing is
 * cut, so nothing can be cached; this is how replay checks the pipeline itself against diffusers.
 */

export interface Sd3WholeGraphOptions {
  provider: Provider
  tuning?: SessionTuning
}

const MAX_GRAPH_BYTES = 2 * 1024 * 1024 * 1024

export async function loadWholeGraphSd3(dir: string, options: Sd3WholeGraphOptions): Promise<Sd3Model> {
  const configs = await readSd3Configs(dir)
  const clipL = await readSd3Tokenizer(dir, 'tokenizer')
  const clipG = await readSd3Tokenizer(dir, 'tokenizer_2')
  const hasT5 = existsSync(join(dir, 'text_encoder_3/model.onnx'))
  const t5Tok = hasT5 ? await readSd3Tokenizer(dir, 'tokenizer_3') : null
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
    const clipGSession = await session('text_encoder_2/model.onnx')
    const t5 = t5Tok ? await session('text_encoder_3/model.onnx') : null
    const vae = await session('vae_decoder/model.onnx')
    const whole = await session('transformer/model.onnx')
    const manifest = {
      name: 'transformer',
      timestepRange: [0, 1000],
      embed: { file: 'transformer/model.onnx' },
      blockLists: [{ name: 'whole', pattern: 'Pattern_1', blocks: [] }],
      final: { file: 'transformer/model.onnx' }
    } as unknown as TransformerManifest
    // No block programs: the call below runs the whole graph, never the step cache.
    const transformer = new LoadedTransformer(manifest, whole, whole, () => [])
    const scale = sd3VaeScale(configs.vae)
    const side = configs.transformer.sample_size * scale
    return {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider: first.provider,
      kind: 'image',
      configs,
      defaults: {
        steps: 28,
        guidanceScale: 7,
        negativePrompt: '',
        width: side,
        height: side,
        maxSequenceLength: Math.min(t5Tok?.maxLength ?? SD3_MAX_SEQUENCE_LENGTH, SD3_MAX_SEQUENCE_LENGTH)
      },
      sizes: {
        multipleOf: scale * configs.transformer.patch_size,
        max: sd3MaxLatentSide(configs.transformer) * scale
      },
      clipL: { ...clipL, encoder: first.session },
      clipG: { ...clipG, encoder: clipGSession },
      t5: t5Tok && t5 ? { tokenizer: t5Tok.tokenizer, encoder: t5 } : null,
      vaeDecoder: vae,
      transformer,
      transformers: [transformer],
      call: sd3WholeGraphCall(whole),
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
 * The exporter's inputs (SD3Transformer2DModel.forward's arguments) from the engine's names:
 * hidden_states ← latent, encoder_hidden_states ← text_hidden, pooled_projections ← text_pooled,
 * timestep ← timestep.
 */
export function sd3WholeGraphCall(whole: Session): TransformerCall {
  const output = whole.outputNames[0]
  return async (_t, inputs, site) => {
    const feeds: Record<string, Tensor> = {}
    for (const name of whole.inputNames) {
      const value =
        name === 'hidden_states'
          ? inputs.latent
          : name === 'timestep'
            ? inputs.timestep
            : name === 'encoder_hidden_states'
              ? inputs.text.text_hidden
              : name === 'pooled_projections'
                ? inputs.text.text_pooled
                : undefined
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
