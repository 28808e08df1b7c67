import { z } from 'zod'

/**
 * The configs of a WanPipeline folder that the Wan pipeline reads (model_index.json, the
 * transformer's and the VAE's config.json), with the fields it uses. A field that changes the
 * math in a way this pipeline does not implement is refused by `unsupportedWanField`.
 */

export const WanPipelineIndexSchema = z
  .object({
    _class_name: z.literal('WanPipeline'),
    /** Wan 2.2: transformer serves t ≥ boundary_ratio · num_train_timesteps, transformer_2 below. */
    boundary_ratio: z.number().gt(0).lt(1).nullable().default(null),
    /** Wan 2.2 TI2V: per-token timesteps (not implemented: refused). */
    expand_timesteps: z.boolean().default(false),
    transformer_2: z.tuple([z.string().nullable(), z.string().nullable()]).optional()
  })
  .passthrough()
export type WanPipelineIndex = z.infer<typeof WanPipelineIndexSchema>

export const WanTransformerConfigSchema = z
  .object({
    _class_name: z.literal('WanTransformer3DModel'),
    in_channels: z.number().int().positive(),
    out_channels: z.number().int().positive(),
    /** (t, h, w) patch: the latent's frames, height and width must be multiples of it. */
    patch_size: z.tuple([
      z.number().int().positive(),
      z.number().int().positive(),
      z.number().int().positive()
    ]),
    num_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    attention_head_dim: z.number().int().positive(),
    text_dim: z.number().int().positive(),
    /** Image conditioning (I2V): not implemented, refused when set. */
    image_dim: z.number().int().positive().nullable().default(null),
    rope_max_seq_len: z.number().int().positive().default(1024)
  })
  .passthrough()
export type WanTransformerConfig = z.infer<typeof WanTransformerConfigSchema>

export const WanVaeConfigSchema = z
  .object({
    _class_name: z.literal('AutoencoderKLWan'),
    z_dim: z.number().int().positive(),
    latents_mean: z.array(z.number()).min(1).max(1024),
    latents_std: z.array(z.number().positive()).min(1).max(1024),
    scale_factor_spatial: z.number().int().positive().default(8),
    scale_factor_temporal: z.number().int().positive().default(4)
  })
  .passthrough()
  .refine((c) => c.latents_mean.length === c.z_dim && c.latents_std.length === c.z_dim, {
    message: 'latents_mean and latents_std need z_dim values each'
  })
export type WanVaeConfig = z.infer<typeof WanVaeConfigSchema>

/** What of these configs the pipeline does not implement, in words (null: all of it). */
export function unsupportedWanField(
  index: WanPipelineIndex,
  transformer: WanTransformerConfig,
  vae: WanVaeConfig
): string | null {
  if (index.expand_timesteps)
    return 'model_index.json: expand_timesteps is true (per-token timesteps of Wan 2.2 TI2V are not implemented)'
  if (transformer.image_dim !== null)
    return 'transformer/config.json: image_dim is set (image-to-video conditioning is not implemented)'
  if (vae.z_dim !== transformer.in_channels)
    return `vae z_dim ${vae.z_dim} is not the transformer's in_channels ${transformer.in_channels}`
  if (transformer.out_channels !== transformer.in_channels)
    return `transformer out_channels ${transformer.out_channels} differ from in_channels ${transformer.in_channels}`
  return null
}
