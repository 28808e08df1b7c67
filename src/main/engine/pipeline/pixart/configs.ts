import { z } from 'zod'
import { VaeConfigSchema } from '../../../../shared/imported-manifest'
import { DPMSolverSchedulerConfigSchema } from '../schedulers/dpm-solver'

/**
 * The configs of a PixArtSigmaPipeline folder the pipeline reads (diffusers' names), checked
 * with zod where they are read: model_index.json, transformer/config.json (PixArtTransformer2DModel),
 * vae_decoder/config.json (AutoencoderKL) and scheduler/scheduler_config.json (DPMSolverMultistep).
 */

export const PixArtModelIndexSchema = z
  .object({ _class_name: z.literal('PixArtSigmaPipeline') })
  .passthrough()

export const PixArtTransformerConfigSchema = z
  .object({
    _class_name: z.literal('PixArtTransformer2DModel'),
    in_channels: z.number().int().positive(),
    out_channels: z.number().int().positive().nullable().default(null),
    sample_size: z.number().int().positive(),
    patch_size: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    caption_channels: z.number().int().positive(),
    // diffusers: None means sample_size == 128 (PixArt-α 1024px takes resolution and aspect ratio).
    use_additional_conditions: z.boolean().nullable().default(null)
  })
  .passthrough()
export type PixArtTransformerConfig = z.infer<typeof PixArtTransformerConfigSchema>

export const PixArtVaeConfigSchema = VaeConfigSchema
export type PixArtVaeConfig = z.infer<typeof PixArtVaeConfigSchema>

export const PixArtSchedulerConfigSchema = DPMSolverSchedulerConfigSchema

export interface PixArtConfigs {
  scheduler: z.infer<typeof PixArtSchedulerConfigSchema>
  vae: PixArtVaeConfig
  transformer: PixArtTransformerConfig
}

/** The transformer predicts a variance too (learned sigma): out_channels = 2 · in_channels. */
export function learnedSigma(t: PixArtTransformerConfig): boolean {
  return (t.out_channels ?? t.in_channels) / 2 === t.in_channels
}

/** Whether the transformer's adaLN-single takes resolution and aspect ratio (diffusers' rule). */
export function usesAdditionalConditions(t: PixArtTransformerConfig): boolean {
  return t.use_additional_conditions ?? t.sample_size === 128
}
