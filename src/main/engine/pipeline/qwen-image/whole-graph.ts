import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Provider } from '../../../../shared/providers'
import { EngineFailure } from '../../errors'
import { type Session, type SessionTuning, type ValueInfo } from '../../model/session'
import { readFolderJson, readFolderText, refuseSchedulerOption } from '../config-json'
import { unsupportedSchedulerField } from '../flow-match'
import { fixedDim, graphInput } from '../input-shapes'
import type { TransformerCall } from '../transformer-call'
import { wholeGraphCall, wholeGraphModel, withFolderSessions } from '../whole-graph'
import {
  QwenImageSchedulerConfigSchema,
  QwenImageTransformerConfigSchema,
  type QwenImageConfigs
} from './configs'
import { QWEN_EMBEDS_NOTE, qwenDefaultSize, type QwenImageModel, type QwenImageShape } from './model'

/**
 * A Qwen-Image ONNX folder (transformer/ + scheduler/, as the fixtures' exports are: no text
 * encoder graph) with its transformer run as one whole graph. Nothing is cut, so nothing can be
 * cached; this is how its transformer call and loop are checked against diffusers.
 */

export interface QwenWholeGraphOptions {
  provider: Provider
  tuning?: SessionTuning
}

/** Whether a folder holds a Qwen-Image transformer (transformer/config.json's class). */
export async function isQwenImageFolder(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, 'transformer/config.json'))) return false
  try {
    const raw = JSON.parse(await readFolderText(dir, 'transformer/config.json')) as {
      _class_name?: unknown
    }
    return raw._class_name === 'QwenImageTransformer2DModel'
  } catch {
    return false
  }
}

export async function readQwenImageConfigs(dir: string): Promise<QwenImageConfigs> {
  const configs: QwenImageConfigs = {
    scheduler: await readFolderJson(dir, 'scheduler/scheduler_config.json', QwenImageSchedulerConfigSchema),
    transformer: await readFolderJson(dir, 'transformer/config.json', QwenImageTransformerConfigSchema)
  }
  refuseSchedulerOption(dir, unsupportedSchedulerField(configs.scheduler))
  return configs
}

/**
 * The graph's input shapes: hidden_states [B, tokens, channels] must be fixed in tokens (the
 * exporter bakes img_shapes' RoPE table into the graph), encoder_hidden_states [B, L, D].
 */
export function qwenImageShape(
  inputs: readonly ValueInfo[],
  configs: QwenImageConfigs,
  label: string
): QwenImageShape {
  const hidden = graphInput(inputs, 'hidden_states')
  const text = graphInput(inputs, 'encoder_hidden_states')
  if (!hidden || hidden.shape.length !== 3 || !text || text.shape.length !== 3)
    throw new EngineFailure(
      'model_invalid',
      `${label}: expected inputs hidden_states [B, tokens, C] and encoder_hidden_states [B, L, D]`
    )
  const tokens = fixedDim(hidden.shape[1])
  if (tokens === null)
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states has no fixed token count (the Qwen-Image export bakes its RoPE table for one latent size)`
    )
  const channels = fixedDim(hidden.shape[2]) ?? configs.transformer.in_channels
  if (channels !== configs.transformer.in_channels)
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states has ${channels} channels, transformer/config.json in_channels ${configs.transformer.in_channels}`
    )
  return {
    fixedBatch: fixedDim(hidden.shape[0]),
    imageTokens: tokens,
    channels,
    fixedTextLength: fixedDim(text.shape[1])
  }
}

export async function loadWholeGraphQwenImage(
  dir: string,
  options: QwenWholeGraphOptions
): Promise<QwenImageModel> {
  const configs = await readQwenImageConfigs(dir)
  const rel = 'transformer/model.onnx'
  return withFolderSessions(dir, rel, options, async (s) => {
    const session = s.first
    const shape = qwenImageShape(session.inputs, configs, join(dir, rel))
    const { transformer, common } = wholeGraphModel(dir, s, session, {
      file: rel,
      timestepRange: [0, 1],
      call: qwenWholeGraphCall(session)
    })
    return {
      ...common,
      kind: 'image',
      configs,
      // QwenImagePipeline's defaults: 50 steps, true_cfg_scale 4.
      defaults: { steps: 50, trueCfgScale: 4, guidanceScale: 4, ...qwenDefaultSize(shape.imageTokens) },
      shape,
      transformer,
      note: QWEN_EMBEDS_NOTE
    }
  })
}

/**
 * The exporter's inputs (QwenImageTransformer2DModel.forward's arguments) from the engine's names:
 * hidden_states ← latent, encoder_hidden_states ← text_hidden, encoder_hidden_states_mask ←
 * text_mask (as int64 where the graph takes it so), timestep ← timestep.
 */
export function qwenWholeGraphCall(whole: Session): TransformerCall {
  return wholeGraphCall(whole, {
    text: { encoder_hidden_states: 'text_hidden', encoder_hidden_states_mask: 'text_mask' },
    castInt64: true
  })
}
