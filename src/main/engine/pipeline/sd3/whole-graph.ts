import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import { type Session, type SessionTuning } from '../../model/session'
import { readFolderTokenizer } from '../folder-tokenizer'
import type { TransformerCall } from '../transformer-call'
import { wholeGraphCall, wholeImageGraphs, withFolderSessions } from '../whole-graph'
import { sd3ModelDefaults } from './defaults'
import { readSd3Configs } from './folder'
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

export async function loadWholeGraphSd3(dir: string, options: Sd3WholeGraphOptions): Promise<Sd3Model> {
  const configs = await readSd3Configs(dir)
  const clipL = await readFolderTokenizer(dir, 'tokenizer')
  const clipG = await readFolderTokenizer(dir, 'tokenizer_2')
  const hasT5 = existsSync(join(dir, 'text_encoder_3/model.onnx'))
  const t5Tok = hasT5 ? await readFolderTokenizer(dir, 'tokenizer_3') : null
  return withFolderSessions(dir, 'text_encoder/model.onnx', options, async (s) => {
    const clipGSession = await s.session('text_encoder_2/model.onnx')
    const t5 = t5Tok ? await s.session('text_encoder_3/model.onnx') : null
    const { vae, transformer, common } = await wholeImageGraphs(dir, s, {
      file: 'transformer/model.onnx',
      timestepRange: [0, 1000],
      call: sd3WholeGraphCall
    })
    return {
      ...common,
      kind: 'image',
      configs,
      ...sd3ModelDefaults(configs, t5Tok?.maxLength ?? null),
      clipL: { ...clipL, encoder: s.first },
      clipG: { ...clipG, encoder: clipGSession },
      t5: t5Tok && t5 ? { tokenizer: t5Tok.tokenizer, encoder: t5 } : null,
      vaeDecoder: vae,
      transformer
    }
  })
}

/**
 * The exporter's inputs (SD3Transformer2DModel.forward's arguments) from the engine's names:
 * hidden_states ← latent, encoder_hidden_states ← text_hidden, pooled_projections ← text_pooled,
 * timestep ← timestep.
 */
export function sd3WholeGraphCall(whole: Session): TransformerCall {
  return wholeGraphCall(whole, {
    text: { encoder_hidden_states: 'text_hidden', pooled_projections: 'text_pooled' }
  })
}
