import { readFolderJson, refuseSchedulerOption } from '../config-json'
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
 * each checked against its schema where it is read (its three tokenizers: folder-tokenizer.ts).
 */

/** StableDiffusion3Pipeline's max_sequence_length default (T5 is padded to it). */
export const SD3_MAX_SEQUENCE_LENGTH = 256

/** scheduler, VAE and transformer configs, checked; a scheduler option not implemented is refused by name. */
export async function readSd3Configs(dir: string, vaeDir = 'vae_decoder'): Promise<Sd3Configs> {
  await readFolderJson(dir, 'model_index.json', Sd3ModelIndexSchema)
  const configs: Sd3Configs = {
    scheduler: await readFolderJson(dir, 'scheduler/scheduler_config.json', Sd3SchedulerConfigSchema),
    vae: await readFolderJson(dir, `${vaeDir}/config.json`, Sd3VaeConfigSchema),
    transformer: await readFolderJson(dir, 'transformer/config.json', Sd3TransformerConfigSchema)
  }
  refuseSchedulerOption(dir, unsupportedSchedulerField(configs.scheduler))
  refuseSchedulerOption(
    dir,
    configs.scheduler.use_dynamic_shifting
      ? 'use_dynamic_shifting is true (StableDiffusion3Pipeline then needs mu, which it only takes as an argument; not offered)'
      : null
  )
  return configs
}
