import { z } from 'zod'
import { EngineFailure } from '../../errors'
import type { LoadedImport } from '../loaded-import'
import { parseJson } from '../../pipeline/config-json'
import { FluxTokenizer } from '../../pipeline/flux/tokenize'
import { TokenizerConfigSchema } from '../../pipeline/folder-tokenizer'
import {
  Sd3SchedulerConfigSchema,
  Sd3TransformerConfigSchema,
  Sd3VaeConfigSchema
} from '../../pipeline/sd3/configs'
import { sd3Defaults, sd3ModelDefaults } from '../../pipeline/sd3/defaults'
import type { Sd3Model } from '../../pipeline/sd3/model'
import { SD3_GRAPH } from './graph-specs'
import { oneTransformer, oneTransformerFields, storedConfigs } from './model-parts'
import type { FamilyImportSpec } from './types'

/**
 * SD3 (StableDiffusion3Pipeline): CLIP-L and CLIP-G with projection (text_embeds and their
 * hidden_states.K outputs) and T5 (optional, as diffusers allows), the transformer's one list of
 * joint blocks (CacheDiT: Pattern_1; the last block is context_pre_only and returns no encoder
 * stream), AutoencoderKL with scaling and shift factors, FlowMatchEuler with a static shift.
 */

/** What an SD3 package keeps of its folder's configs (manifest `configs`). */
export const Sd3ConfigsSchema = z
  .object({
    scheduler: Sd3SchedulerConfigSchema,
    vae: Sd3VaeConfigSchema,
    transformer: Sd3TransformerConfigSchema
  })
  .strict()
  .refine((c) => !c.scheduler.use_dynamic_shifting, {
    message:
      'scheduler use_dynamic_shifting is true (StableDiffusion3Pipeline then needs mu, which is not offered)',
    path: ['scheduler', 'use_dynamic_shifting']
  })
export type Sd3ImportedConfigs = z.infer<typeof Sd3ConfigsSchema>

export const SD3_FAMILY: FamilyImportSpec = {
  family: 'sd3',
  label: 'SD3',
  pipelines: ['StableDiffusion3Pipeline'],
  kind: 'image',
  schedulers: ['FlowMatchEulerDiscreteScheduler'],
  components: () => [
    { name: 'text_encoder', inputs: ['input_ids'], outputs: ['text_embeds'] },
    { name: 'text_encoder_2', inputs: ['input_ids'], outputs: ['text_embeds'] },
    { name: 'text_encoder_3', inputs: ['input_ids'], outputs: ['last_hidden_state'], optional: true },
    { name: 'vae_decoder', inputs: ['latent_sample'], outputs: ['sample'] }
  ],
  tokenizers: () => [{ name: 'tokenizer' }, { name: 'tokenizer_2' }, { name: 'tokenizer_3', optional: true }],
  transformers: () => oneTransformer(SD3_GRAPH),
  cut: SD3_GRAPH,
  async readConfigs(folder) {
    return {
      scheduler: await folder.json('scheduler/scheduler_config.json'),
      vae: await folder.json('vae_decoder/config.json'),
      transformer: await folder.json('transformer/config.json')
    }
  },
  configSchema: Sd3ConfigsSchema,
  defaults: (raw) => sd3Defaults(Sd3ConfigsSchema.parse(raw)),
  // T5's tokens are most of the text the transformer attends to (CLIP's are cut at 77).
  promptTokenizer: 'tokenizer_3',
  describe(raw) {
    const t = Sd3ConfigsSchema.parse(raw).transformer
    return `SD3 (${t.num_layers} joint blocks, patch ${t.patch_size}, text width ${t.joint_attention_dim})`
  }
}

/** A loaded SD3 package as the pipeline runs it: the transformer cut, so the step cache works. */
export function sd3FromImport(imp: LoadedImport): Sd3Model {
  const configs = storedConfigs(Sd3ConfigsSchema, imp.manifest.configs, imp.dir)
  const tokenizer = (name: string) => {
    const configText = imp.tokenizerConfigJson(name)
    let max = 77
    if (configText !== null) {
      const c = TokenizerConfigSchema.safeParse(
        parseJson(configText, `${imp.dir}: ${name}/tokenizer_config.json`)
      )
      if (!c.success)
        throw new EngineFailure(
          'model_invalid',
          `${imp.dir}: ${name}/tokenizer_config.json: no model_max_length`
        )
      max = c.data.model_max_length
    }
    return {
      tokenizer: new FluxTokenizer(imp.tokenizerJson(name), configText, `${imp.dir}: ${name}/tokenizer.json`),
      maxLength: max
    }
  }
  const hasT5 = imp.hasSession('text_encoder_3')
  const t5 = hasT5 ? tokenizer('tokenizer_3') : null
  const fields = oneTransformerFields(imp)
  return {
    ...fields,
    kind: 'image',
    configs,
    ...sd3ModelDefaults(configs, t5?.maxLength ?? null),
    clipL: { ...tokenizer('tokenizer'), encoder: imp.session('text_encoder') },
    clipG: { ...tokenizer('tokenizer_2'), encoder: imp.session('text_encoder_2') },
    t5: t5 ? { tokenizer: t5.tokenizer, encoder: imp.session('text_encoder_3') } : null,
    vaeDecoder: imp.session('vae_decoder')
  }
}
