import { z } from 'zod'
import {
  FlowMatchSchedulerConfigSchema,
  FluxTransformerConfigSchema,
  VaeConfigSchema
} from '../../../../shared/imported-manifest'
import type { Provider } from '../../../../shared/providers'
import { type Session, type SessionTuning } from '../../model/session'
import { readFolderJson } from '../config-json'
import { readFolderTokenizer } from '../folder-tokenizer'
import type { TransformerCall } from '../transformer-call'
import { vaeScaleFactor } from '../vae-decode'
import { wholeGraphCall, wholeImageGraphs, withFolderSessions } from '../whole-graph'
import type { FluxModel } from './model'

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

/** FluxPipeline refuses a longer T5 sequence. */
const MAX_T5_LENGTH = 512

export async function loadWholeGraphFlux(dir: string, options: WholeGraphOptions): Promise<FluxModel> {
  await readFolderJson(
    dir,
    'model_index.json',
    z.object({ _class_name: z.literal('FluxPipeline') }).passthrough()
  )
  const transformerDir = options.transformerDir ?? 'transformer'
  const configs = {
    scheduler: await readFolderJson(dir, 'scheduler/scheduler_config.json', FlowMatchSchedulerConfigSchema),
    vae: await readFolderJson(dir, 'vae_decoder/config.json', VaeConfigSchema),
    transformer: await readFolderJson(dir, `${transformerDir}/config.json`, FluxTransformerConfigSchema)
  }
  const clip = await readFolderTokenizer(dir, 'tokenizer')
  const t5 = await readFolderTokenizer(dir, 'tokenizer_2')

  return withFolderSessions(dir, 'text_encoder/model.onnx', options, async (s) => {
    const t5Session = await s.session('text_encoder_2/model.onnx')
    const { vae, transformer, common } = await wholeImageGraphs(dir, s, {
      file: `${transformerDir}/model.onnx`,
      timestepRange: [0, 1],
      call: fluxWholeGraphCall
    })
    const scale = vaeScaleFactor(configs.vae.block_out_channels)
    return {
      ...common,
      configs,
      defaults: { steps: 28, guidanceScale: 3.5, width: 128 * scale, height: 128 * scale },
      sizes: { multipleOf: scale * 2, max: 4096 },
      clip: { ...clip, encoder: s.first },
      t5: { tokenizer: t5.tokenizer, maxLength: Math.min(t5.maxLength, MAX_T5_LENGTH), encoder: t5Session },
      vaeDecoder: vae,
      transformerFor: () => transformer
    }
  })
}

/**
 * The exporter's inputs from the engine's names (FluxTransformer2DModel.forward's arguments:
 * hidden_states, encoder_hidden_states, pooled_projections, timestep, img_ids, txt_ids, guidance).
 */
export function fluxWholeGraphCall(whole: Session): TransformerCall {
  return wholeGraphCall(whole, {
    text: { encoder_hidden_states: 'text_hidden', pooled_projections: 'text_pooled' },
    passOthers: true
  })
}
