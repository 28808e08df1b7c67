import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { Provider } from '../../../../shared/providers'
import type { TransformerManifest } from '../../../../shared/manifest'
import { EngineFailure } from '../../errors'
import { LoadedTransformer } from '../../model/loaded-model'
import { providerCandidates } from '../../model/providers'
import { readRegularFile, readRegularText } from '../../model/safe-read'
import { DEFAULT_TUNING, Session, type Feed, type SessionTuning, type ValueInfo } from '../../model/session'
import { unsupportedSchedulerField } from '../flow-match'
import type { TransformerCall } from '../transformer-call'
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

const MAX_GRAPH_BYTES = 2 * 1024 * 1024 * 1024
const MAX_JSON_BYTES = 64 * 1024 * 1024

async function readJson<T>(dir: string, rel: string, schema: z.ZodType<T>): Promise<T> {
  const text = await readRegularText(join(dir, rel), { maxBytes: MAX_JSON_BYTES, root: dir, label: rel })
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
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

/** Whether a folder holds a Qwen-Image transformer (transformer/config.json's class). */
export async function isQwenImageFolder(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, 'transformer/config.json'))) return false
  try {
    const raw = JSON.parse(
      await readRegularText(join(dir, 'transformer/config.json'), { maxBytes: MAX_JSON_BYTES, root: dir })
    ) as { _class_name?: unknown }
    return raw._class_name === 'QwenImageTransformer2DModel'
  } catch {
    return false
  }
}

export async function readQwenImageConfigs(dir: string): Promise<QwenImageConfigs> {
  const configs: QwenImageConfigs = {
    scheduler: await readJson(dir, 'scheduler/scheduler_config.json', QwenImageSchedulerConfigSchema),
    transformer: await readJson(dir, 'transformer/config.json', QwenImageTransformerConfigSchema)
  }
  const unsupported = unsupportedSchedulerField(configs.scheduler)
  if (unsupported)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'scheduler/scheduler_config.json')}: ${unsupported}`
    )
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
  const find = (name: string) => inputs.find((v) => v.name === name) ?? null
  const hidden = find('hidden_states')
  const text = find('encoder_hidden_states')
  const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : null)
  if (!hidden || hidden.shape.length !== 3 || !text || text.shape.length !== 3)
    throw new EngineFailure(
      'model_invalid',
      `${label}: expected inputs hidden_states [B, tokens, C] and encoder_hidden_states [B, L, D]`
    )
  const tokens = fixed(hidden.shape[1])
  if (tokens === null)
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states has no fixed token count (the Qwen-Image export bakes its RoPE table for one latent size)`
    )
  const channels = fixed(hidden.shape[2]) ?? configs.transformer.in_channels
  if (channels !== configs.transformer.in_channels)
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states has ${channels} channels, transformer/config.json in_channels ${configs.transformer.in_channels}`
    )
  return {
    fixedBatch: fixed(hidden.shape[0]),
    imageTokens: tokens,
    channels,
    fixedTextLength: fixed(text.shape[1])
  }
}

export async function loadWholeGraphQwenImage(
  dir: string,
  options: QwenWholeGraphOptions
): Promise<QwenImageModel> {
  const configs = await readQwenImageConfigs(dir)
  const tuning = options.tuning ?? DEFAULT_TUNING
  const rel = 'transformer/model.onnx'
  const bytes = await readRegularFile(join(dir, rel), { maxBytes: MAX_GRAPH_BYTES, root: dir, label: rel })
  const errors: string[] = []
  let whole: Session | null = null
  let provider = null
  for (const p of providerCandidates(options.provider)) {
    try {
      whole = await Session.create(bytes, rel, p, tuning)
      provider = p
      break
    } catch (e) {
      errors.push(`${p}: ${(e as Error).message}`)
    }
  }
  if (!whole || !provider)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, rel)}: no execution provider could load it (${errors.join('; ')})`
    )
  const session = whole
  try {
    const shape = qwenImageShape(session.inputs, configs, join(dir, rel))
    const manifest = {
      name: 'transformer',
      timestepRange: [0, 1],
      embed: { file: rel },
      blockLists: [{ name: 'whole', pattern: 'Pattern_1', blocks: [] }],
      final: { file: rel }
    } as unknown as TransformerManifest
    // No block programs: the call below runs the whole graph, never the step cache.
    const transformer = new LoadedTransformer(manifest, session, session, () => [])
    return {
      id: dir,
      name: `${dir} (whole transformer graph)`,
      provider,
      kind: 'image',
      configs,
      // QwenImagePipeline's defaults: 50 steps, true_cfg_scale 4.
      defaults: { steps: 50, trueCfgScale: 4, guidanceScale: 4, ...qwenDefaultSize(shape.imageTokens) },
      shape,
      transformer,
      transformers: [transformer],
      call: qwenWholeGraphCall(session),
      cacheable: false,
      note: QWEN_EMBEDS_NOTE,
      release: () => session.release()
    }
  } catch (e) {
    await session.release().catch(() => undefined)
    throw e
  }
}

/**
 * The exporter's inputs (QwenImageTransformer2DModel.forward's arguments) from the engine's names:
 * hidden_states ← latent, encoder_hidden_states ← text_hidden, encoder_hidden_states_mask ←
 * text_mask (as int64 where the graph takes it so), timestep ← timestep.
 */
export function qwenWholeGraphCall(whole: Session): TransformerCall {
  const types = new Map(whole.inputs.map((v) => [v.name, v.type]))
  const output = whole.outputNames[0]
  return async (_t, inputs, site) => {
    const feeds: Record<string, Feed> = {}
    for (const name of whole.inputNames) {
      const value =
        name === 'hidden_states'
          ? inputs.latent
          : name === 'timestep'
            ? inputs.timestep
            : name === 'encoder_hidden_states'
              ? inputs.text.text_hidden
              : name === 'encoder_hidden_states_mask'
                ? inputs.text.text_mask
                : undefined
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
