import { z } from 'zod'
import {
  FlowMatchSchedulerConfigSchema,
  FluxTransformerConfigSchema,
  VaeConfigSchema
} from '../../../../shared/imported-manifest'
import { vaeScaleFactor } from '../../pipeline/vae-decode'
import { FLUX_GRAPH } from './graph-specs'
import type { FamilyImportSpec } from './types'

/** FLUX.1 (FluxPipeline): CLIP pooled + T5, the transformer's two block lists, AutoencoderKL. */

/** What a FLUX package keeps of its folder's configs (manifest `configs`). */
export const FluxConfigsSchema = z
  .object({
    scheduler: FlowMatchSchedulerConfigSchema,
    vae: VaeConfigSchema.extend({ sample_size: z.number().int().positive().optional() }),
    transformer: FluxTransformerConfigSchema
  })
  .strict()
export type FluxConfigs = z.infer<typeof FluxConfigsSchema>

export const FLUX_FAMILY: FamilyImportSpec = {
  family: 'flux',
  label: 'FLUX',
  pipelines: ['FluxPipeline'],
  kind: 'image',
  schedulers: ['FlowMatchEulerDiscreteScheduler'],
  components: () => [
    { name: 'text_encoder', inputs: ['input_ids'], outputs: ['pooler_output'] },
    { name: 'text_encoder_2', inputs: ['input_ids'], outputs: ['last_hidden_state'] },
    { name: 'vae_decoder', inputs: ['latent_sample'], outputs: ['sample'] }
  ],
  tokenizers: () => [{ name: 'tokenizer' }, { name: 'tokenizer_2' }],
  async transformers(folder) {
    const config = FluxTransformerConfigSchema.safeParse(await folder.json('transformer/config.json'))
    const inputs = [
      'hidden_states',
      'encoder_hidden_states',
      'pooled_projections',
      'timestep',
      'img_ids',
      'txt_ids'
    ]
    if (config.success && config.data.guidance_embeds) inputs.push('guidance')
    return [{ name: 'transformer', component: 'transformer', timestepRange: [0, 1], inputs }]
  },
  cut: FLUX_GRAPH,
  async readConfigs(folder) {
    for (const c of ['text_encoder', 'text_encoder_2']) await folder.json(`${c}/config.json`)
    return {
      scheduler: await folder.json('scheduler/scheduler_config.json'),
      vae: await folder.json('vae_decoder/config.json'),
      transformer: await folder.json('transformer/config.json')
    }
  },
  configSchema: FluxConfigsSchema,
  defaults(raw) {
    const c = FluxConfigsSchema.parse(raw)
    const side = c.vae.sample_size ?? 1024
    const vaeScale = vaeScaleFactor(c.vae.block_out_channels)
    return {
      // FLUX.1-dev (guidance-distilled) defaults to 28 steps at guidance 3.5, schnell to 4 without.
      defaults: c.transformer.guidance_embeds
        ? { steps: 28, guidanceScale: 3.5, width: side, height: side }
        : { steps: 4, guidanceScale: 0, width: side, height: side },
      // The VAE's scale times FLUX's 2×2 latent packing.
      sizes: { multipleOf: vaeScale * 2 * c.transformer.patch_size, max: Math.max(side * 2, 64) }
    }
  },
  // T5's tokens are the text the transformer attends to (CLIP gives only its pooled vector).
  promptTokenizer: 'tokenizer_2'
}
