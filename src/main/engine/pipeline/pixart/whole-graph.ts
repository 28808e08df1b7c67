import { join } from 'node:path'
import type { z } from 'zod'
import type { Provider } from '../../../../shared/providers'
import { type Session, type SessionTuning } from '../../model/session'
import { parsePythonJson, readFolderJson, refuseSchedulerOption } from '../config-json'
import type { FluxTokenizer } from '../flux/tokenize'
import { readFolderTokenizer } from '../folder-tokenizer'
import { unsupportedDPMSolverField } from '../schedulers/dpm-solver'
import type { TransformerCall } from '../transformer-call'
import { wholeGraphCall, wholeImageGraphs, withFolderSessions } from '../whole-graph'
import {
  PixArtModelIndexSchema,
  PixArtSchedulerConfigSchema,
  PixArtTransformerConfigSchema,
  PixArtVaeConfigSchema,
  type PixArtConfigs
} from './configs'
import { pixartDefaults } from './defaults'
import type { PixArtModel } from './model'
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

/** PixArtSigmaPipeline's max_sequence_length default. */
export const PIXART_MAX_SEQUENCE_LENGTH = 300

/** Reads one JSON file of the folder (Python's -Infinity allowed) against its schema. */
function readPixArtJson<T>(dir: string, rel: string, schema: z.ZodType<T>): Promise<T> {
  return readFolderJson(dir, rel, schema, parsePythonJson)
}

/** scheduler, VAE and transformer configs of a PixArtSigmaPipeline folder, checked. */
export async function readPixArtConfigs(dir: string, transformerDir = 'transformer'): Promise<PixArtConfigs> {
  await readPixArtJson(dir, 'model_index.json', PixArtModelIndexSchema)
  const configs: PixArtConfigs = {
    scheduler: await readPixArtJson(dir, 'scheduler/scheduler_config.json', PixArtSchedulerConfigSchema),
    vae: await readPixArtJson(dir, 'vae_decoder/config.json', PixArtVaeConfigSchema),
    transformer: await readPixArtJson(dir, `${transformerDir}/config.json`, PixArtTransformerConfigSchema)
  }
  refuseSchedulerOption(dir, unsupportedDPMSolverField(configs.scheduler))
  return configs
}

/** The folder's T5 tokenizer and the length PixArtSigmaPipeline pads to. */
export async function readPixArtTokenizer(
  dir: string
): Promise<{ tokenizer: FluxTokenizer; maxLength: number }> {
  const { tokenizer, maxLength } = await readFolderTokenizer(dir, 'tokenizer', parsePythonJson)
  return { tokenizer, maxLength: Math.min(maxLength, PIXART_MAX_SEQUENCE_LENGTH) }
}

export async function loadWholeGraphPixArt(
  dir: string,
  options: PixArtWholeGraphOptions
): Promise<PixArtModel> {
  const configs = await readPixArtConfigs(dir)
  const { tokenizer, maxLength } = await readPixArtTokenizer(dir)
  return withFolderSessions(dir, 'text_encoder/model.onnx', options, async (s) => {
    const { vae, whole, transformer, common } = await wholeImageGraphs(dir, s, {
      file: 'transformer/model.onnx',
      timestepRange: [0, 1000],
      call: pixartWholeGraphCall
    })
    const shape = pixartShape(whole.inputs, configs, join(dir, 'transformer/model.onnx'))
    return {
      ...common,
      configs,
      defaults: pixartDefaults({ ...configs, shape, tokenizerMaxLength: maxLength }),
      shape,
      tokenizer,
      textEncoder: s.first,
      vaeDecoder: vae,
      transformer
    }
  })
}

/**
 * The exporter's inputs (PixArtTransformer2DModel.forward's arguments) from the engine's names:
 * hidden_states ← latent, encoder_hidden_states ← text_hidden, timestep ← timestep,
 * encoder_attention_mask ← text_mask, added_cond_kwargs' resolution / aspect_ratio. An int64 input
 * (the mask; a timestep exported as int64) gets the values as integers.
 */
export function pixartWholeGraphCall(whole: Session): TransformerCall {
  return wholeGraphCall(whole, {
    text: { encoder_hidden_states: 'text_hidden', encoder_attention_mask: 'text_mask' },
    passOthers: true,
    castInt64: true
  })
}
