import { join } from 'node:path'
import type { TransformerManifest } from '../../../../shared/manifest'
import type { ConcreteProvider, Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import { LoadedTransformer } from '../../model/loaded-model'
import { providerCandidates } from '../../model/providers'
import { readRegularFile } from '../../model/safe-read'
import { DEFAULT_TUNING, Session, type SessionTuning } from '../../model/session'
import type { Tensor } from '../../tensor'
import { FluxTokenizer } from '../flux/tokenize'
import type { TransformerCall } from '../transformer-call'
import { readWanFolder } from './folder'
import type { WanModel } from './model'
import { wanDefaults } from './defaults'
import { wanShape } from './shape'

/**
 * An ONNX WanPipeline folder (optimum-onnx layout) run as it is: every component one session,
 * each transformer its one whole graph called with the exporter's input names. Nothing is cut, so
 * nothing can be cached; replay checks the pipeline itself against diffusers with it, and it is
 * what an imported package's cut graphs must reproduce.
 */

export interface WanWholeGraphOptions {
  provider: Provider
  tuning?: SessionTuning
}

const MAX_GRAPH_BYTES = 2 * 1024 * 1024 * 1024

export async function loadWholeGraphWan(dir: string, options: WanWholeGraphOptions): Promise<WanModel> {
  const folder = await readWanFolder(dir)
  const tokenizer = new FluxTokenizer(
    folder.tokenizerJson,
    folder.tokenizerConfigJson,
    join(dir, 'tokenizer/tokenizer.json')
  )
  const tuning = options.tuning ?? DEFAULT_TUNING
  const made: Session[] = []
  const graph = (rel: string) =>
    readRegularFile(join(dir, rel), { maxBytes: MAX_GRAPH_BYTES, root: dir, label: rel })
  try {
    const first = await firstProvider(dir, options.provider, tuning, await graph('text_encoder/model.onnx'))
    made.push(first.session)
    const provider: ConcreteProvider = first.provider
    const session = async (rel: string) => {
      const s = await Session.create(await graph(rel), rel, provider, tuning, join(dir, rel, '..')).catch(
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
    const vae = folder.hasVaeDecoder ? await session('vae_decoder/model.onnx') : null
    const wholes: Session[] = []
    const transformers: LoadedTransformer[] = []
    for (const name of folder.transformerDirs) {
      const whole = await session(`${name}/model.onnx`)
      wholes.push(whole)
      const manifest = {
        name,
        timestepRange: [0, 1],
        embed: { file: `${name}/model.onnx` },
        blockLists: [{ name: 'blocks', pattern: 'Pattern_2', blocks: [] }],
        final: { file: `${name}/model.onnx` }
      } as unknown as TransformerManifest
      // No block programs: the call below runs the whole graph, never the step cache.
      transformers.push(new LoadedTransformer(manifest, whole, whole, () => []))
    }
    const shape = wanShape(folder.transformer, folder.vae, wholes[0].inputs, vae?.inputs[0] ?? null)
    const byTransformer = new Map(transformers.map((t, i) => [t, wholeGraphCall(wholes[i])]))
    return {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider,
      configs: { scheduler: folder.scheduler, vae: folder.vae, transformer: folder.transformer },
      boundaryRatio: folder.index.boundary_ratio,
      defaults: wanDefaults(shape, folder.tokenizerMaxLength),
      shape,
      tokenizer,
      textEncoder: first.session,
      vaeDecoder: vae,
      transformers,
      call: (t, inputs, site) => {
        const call = byTransformer.get(t)
        if (!call) throw new Error(`${t.manifest.name}: not a transformer of ${dir}`)
        return call(t, inputs, site)
      },
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

/** WanTransformer3DModel.forward's inputs from the engine's names: latent, timestep, text_hidden. */
export function wholeGraphCall(whole: Session): TransformerCall {
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
      return {
        provider,
        session: await Session.create(
          bytes,
          'text_encoder/model.onnx',
          provider,
          tuning,
          join(dir, 'text_encoder')
        )
      }
    } catch (e) {
      errors.push(`${provider}: ${(e as Error).message}`)
    }
  }
  throw new EngineFailure(
    'model_invalid',
    `${join(dir, 'text_encoder/model.onnx')}: no execution provider could load it (${errors.join('; ')})`
  )
}
