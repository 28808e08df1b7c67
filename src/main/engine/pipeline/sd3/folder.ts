import { join } from 'node:path'
import { z } from 'zod'
import { EngineFailure } from '../../errors'
import { readRegularText } from '../../model/safe-read'
import { FluxTokenizer } from '../flux/tokenize'
import { unsupportedSchedulerField } from '../flow-match'
import {
  Sd3ModelIndexSchema,
  Sd3SchedulerConfigSchema,
  Sd3TransformerConfigSchema,
  Sd3VaeConfigSchema,
  type Sd3Configs
} from './configs'

/**
 * The JSON files of a StableDiffusion3Pipeline folder (ONNX layout or an imported package's copy),
 * each checked against its schema where it is read, and its three tokenizers.
 */

const MAX_JSON_BYTES = 64 * 1024 * 1024
/** StableDiffusion3Pipeline's max_sequence_length default (T5 is padded to it). */
export const SD3_MAX_SEQUENCE_LENGTH = 256

const TokenizerConfigSchema = z.object({ model_max_length: z.number().positive() }).passthrough()

export async function readSd3Json<T>(dir: string, rel: string, schema: z.ZodType<T>): Promise<T> {
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

/** scheduler, VAE and transformer configs, checked; a scheduler option not implemented is refused by name. */
export async function readSd3Configs(dir: string, vaeDir = 'vae_decoder'): Promise<Sd3Configs> {
  await readSd3Json(dir, 'model_index.json', Sd3ModelIndexSchema)
  const configs: Sd3Configs = {
    scheduler: await readSd3Json(dir, 'scheduler/scheduler_config.json', Sd3SchedulerConfigSchema),
    vae: await readSd3Json(dir, `${vaeDir}/config.json`, Sd3VaeConfigSchema),
    transformer: await readSd3Json(dir, 'transformer/config.json', Sd3TransformerConfigSchema)
  }
  const unsupported = unsupportedSchedulerField(configs.scheduler)
  if (unsupported)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'scheduler/scheduler_config.json')}: ${unsupported}`
    )
  if (configs.scheduler.use_dynamic_shifting)
    throw new EngineFailure(
      'model_invalid',
      `${join(dir, 'scheduler/scheduler_config.json')}: use_dynamic_shifting is true (StableDiffusion3Pipeline then needs mu, which it only takes as an argument; not offered)`
    )
  return configs
}

/** A tokenizer folder (tokenizer.json + tokenizer_config.json) and its model_max_length. */
export async function readSd3Tokenizer(
  dir: string,
  rel: string
): Promise<{ tokenizer: FluxTokenizer; maxLength: number }> {
  const text = (file: string) =>
    readRegularText(join(dir, rel, file), { maxBytes: MAX_JSON_BYTES, root: dir, label: `${rel}/${file}` })
  const configText = await text('tokenizer_config.json')
  const max = (await readSd3Json(dir, `${rel}/tokenizer_config.json`, TokenizerConfigSchema)).model_max_length
  return {
    tokenizer: new FluxTokenizer(await text('tokenizer.json'), configText, join(dir, rel, 'tokenizer.json')),
    maxLength: max
  }
}
