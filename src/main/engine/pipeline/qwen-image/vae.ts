import { z } from 'zod'
import { assertFinite } from '../../cache/non-finite'
import { EngineFailure } from '../../errors'
import type { BeforeCall } from '../../model/block-program'
import type { Session } from '../../model/session'
import { tensor, type Tensor } from '../../tensor'
import { unpackLatents } from '../flux/latents'
import { denormalizeLatents } from '../wan/decode'

/**
 * QwenImagePipeline's decode (after its loop): _unpack_latents [1, tokens, 4C] → [1, C, 1, h, w]
 * (2×2 patches, one frame), latents / (1 / latents_std) + latents_mean per channel, then
 * AutoencoderKLQwenImage.decode (a Wan-style causal 3D VAE) and its first frame, [:, :, 0];
 * the image processor's postprocess maps (x / 2 + 0.5) clamped to [0, 1].
 */

/** vae_decoder/config.json of AutoencoderKLQwenImage: what the pipeline reads of it. */
export const QwenImageVaeConfigSchema = z
  .object({
    _class_name: z.literal('AutoencoderKLQwenImage'),
    z_dim: z.number().int().positive(),
    latents_mean: z.array(z.number()).min(1).max(1024),
    latents_std: z.array(z.number().positive()).min(1).max(1024),
    /** Its length gives vae_scale_factor = 2^len (QwenImagePipeline's __init__). */
    temperal_downsample: z.array(z.boolean()).max(8).default([false, true, true])
  })
  .passthrough()
  .refine((c) => c.latents_mean.length === c.z_dim && c.latents_std.length === c.z_dim, {
    message: 'latents_mean and latents_std need z_dim values each'
  })
export type QwenImageVaeConfig = z.infer<typeof QwenImageVaeConfigSchema>

export function qwenVaeScale(config: QwenImageVaeConfig): number {
  return 2 ** config.temperal_downsample.length
}

export interface QwenImageVae {
  config: QwenImageVaeConfig
  session: Session
}

/** The packed latent [1, tokens, 4C] of an h×w latent → RGB image [1, 3, 1, H, W] in [0, 1]. */
export async function qwenDecode(
  vae: QwenImageVae,
  packed: Tensor,
  h: number,
  w: number,
  beforeCall: BeforeCall
): Promise<Tensor> {
  const { config, session } = vae
  const flat = unpackLatents(packed, h, w)
  const [B, C] = flat.dims
  const latents = denormalizeLatents(
    tensor(flat.data, [B, C, 1, h, w]),
    config.latents_mean,
    config.latents_std
  )
  const input = session.inputs[0]
  beforeCall()
  const out = await session.run({ [input.name]: latents }, [session.outputNames[0]])
  const raw = out[session.outputNames[0]]
  // NaN would become black pixels in a PNG that looks like a real output.
  assertFinite(raw, `${session.label}'s output`)
  if (raw.dims.length !== 5 || raw.dims[0] !== 1 || raw.dims[1] !== 3)
    throw new EngineFailure(
      'model_invalid',
      `${session.label}: output [${raw.dims.join(', ')}], expected [1, 3, frames, H, W]`
    )
  // [:, :, 0]: the first frame of each channel.
  const [, , F, H, W] = raw.dims
  const plane = H * W
  const image = new Float32Array(3 * plane)
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < plane; p++) {
      const v = raw.data[c * F * plane + p]
      image[c * plane + p] = Math.min(1, Math.max(0, Math.fround(v / 2) + 0.5))
    }
  return tensor(image, [1, 3, 1, H, W])
}
