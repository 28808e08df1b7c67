import { z } from 'zod'
import { FlowMatchSchedulerConfigSchema } from '../../../../shared/imported-manifest'

/**
 * The configs of a Qwen-Image folder the pipeline reads (diffusers' names), checked with zod where
 * they are read: transformer/config.json (QwenImageTransformer2DModel) and
 * scheduler/scheduler_config.json (FlowMatchEulerDiscreteScheduler).
 */

export const QwenImageTransformerConfigSchema = z
  .object({
    _class_name: z.literal('QwenImageTransformer2DModel'),
    in_channels: z.number().int().positive(),
    out_channels: z.number().int().positive().nullable().default(null),
    patch_size: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    joint_attention_dim: z.number().int().positive(),
    guidance_embeds: z.boolean().default(false),
    axes_dims_rope: z.array(z.number().int().positive()).max(8)
  })
  .passthrough()
export type QwenImageTransformerConfig = z.infer<typeof QwenImageTransformerConfigSchema>

export const QwenImageSchedulerConfigSchema = FlowMatchSchedulerConfigSchema

export interface QwenImageConfigs {
  scheduler: z.infer<typeof QwenImageSchedulerConfigSchema>
  transformer: QwenImageTransformerConfig
}
