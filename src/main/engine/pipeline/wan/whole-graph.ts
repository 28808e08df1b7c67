import { join } from 'node:path'
import type { LoadedTransformer } from '../../model/loaded-model'
import type { Session } from '../../model/session'
import { FluxTokenizer } from '../flux/tokenize'
import {
  type FolderSessionOptions,
  wholeGraphCall,
  wholeTransformer,
  withFolderSessions
} from '../whole-graph'
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

export type WanWholeGraphOptions = Omit<FolderSessionOptions, 'externalData'>

export async function loadWholeGraphWan(dir: string, options: WanWholeGraphOptions): Promise<WanModel> {
  const folder = await readWanFolder(dir)
  const tokenizer = new FluxTokenizer(
    folder.tokenizerJson,
    folder.tokenizerConfigJson,
    join(dir, 'tokenizer/tokenizer.json')
  )
  // Wan's exports keep each graph's external data beside it.
  return withFolderSessions(dir, 'text_encoder/model.onnx', { ...options, externalData: true }, async (s) => {
    const vae = folder.hasVaeDecoder ? await s.session('vae_decoder/model.onnx') : null
    const wholes: Session[] = []
    const transformers: LoadedTransformer[] = []
    for (const name of folder.transformerDirs) {
      const whole = await s.session(`${name}/model.onnx`)
      wholes.push(whole)
      // No block programs: the call below runs the whole graph, never the step cache.
      transformers.push(
        wholeTransformer(whole, {
          name,
          file: `${name}/model.onnx`,
          timestepRange: [0, 1],
          list: 'blocks',
          pattern: 'Pattern_2'
        })
      )
    }
    const shape = wanShape(folder.transformer, folder.vae, wholes[0].inputs, vae?.inputs[0] ?? null)
    // WanTransformer3DModel.forward's inputs from the engine's names: latent, timestep, text_hidden.
    const byTransformer = new Map(
      transformers.map((t, i) => [
        t,
        wholeGraphCall(wholes[i], { text: { encoder_hidden_states: 'text_hidden' } })
      ])
    )
    return {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider: s.provider,
      configs: { scheduler: folder.scheduler, vae: folder.vae, transformer: folder.transformer },
      boundaryRatio: folder.index.boundary_ratio,
      defaults: wanDefaults(shape, folder.tokenizerMaxLength),
      shape,
      tokenizer,
      textEncoder: s.first,
      vaeDecoder: vae,
      transformers,
      call: (t, inputs, site) => {
        const call = byTransformer.get(t)
        if (!call) throw new Error(`${t.manifest.name}: not a transformer of ${dir}`)
        return call(t, inputs, site)
      },
      cacheable: false,
      release: s.release
    }
  })
}
