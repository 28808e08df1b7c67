import { z } from 'zod'
import { FlowMatchSchedulerConfigSchema, VaeConfigSchema } from '../../../../shared/imported-manifest'

/**
 * The configs of a StableDiffusion3Pipeline folder the pipeline reads (diffusers' names), checked
 * with zod where they are read: model_index.json, transformer/config.json (SD3Transformer2DModel),
 * vae_decoder/config.json (AutoencoderKL: scaling_factor and shift_factor) and
 * scheduler/scheduler_config.json (FlowMatchEulerDiscreteScheduler, SD3's static shift).
 */

export const Sd3ModelIndexSchema = z
  .object({ _class_name: z.literal('StableDiffusion3Pipeline') })
  .passthrough()

export const Sd3TransformerConfigSchema = z
  .object({
    _class_name: z.literal('SD3Transformer2DModel'),
    in_channels: z.number().int().positive(),
    out_channels: z.number().int().positive().nullable().default(null),
    sample_size: z.number().int().positive(),
    patch_size: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    joint_attention_dim: z.number().int().positive(),
    pooled_projection_dim: z.number().int().positive(),
    caption_projection_dim: z.number().int().positive(),
    pos_embed_max_size: z.number().int().positive()
  })
  .passthrough()
export type Sd3TransformerConfig = z.infer<typeof Sd3TransformerConfigSchema>

export const Sd3VaeConfigSchema = VaeConfigSchema
export type Sd3VaeConfig = z.infer<typeof Sd3VaeConfigSchema>

export const Sd3SchedulerConfigSchema = FlowMatchSchedulerConfigSchema

export interface Sd3Configs {
  scheduler: z.infer<typeof Sd3SchedulerConfigSchema>
  vae: Sd3VaeConfig
  transformer: Sd3TransformerConfig
}

/**
 * The largest latent side the transformer's position embedding covers: pos_embed_max_size
 * patches (PatchEmbed crops its table; a larger latent is refused by diffusers).
 */
export function sd3MaxLatentSide(t: Sd3TransformerConfig): number {
  return t.pos_embed_max_size * t.patch_size
}
