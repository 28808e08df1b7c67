import { assertFinite } from '../../cache/non-finite'
import { EngineFailure } from '../../errors'
import type { BeforeCall } from '../../model/block-program'
import { tensor, type Tensor } from '../../tensor'
import type { WanModel } from './model'

/**
 * WanPipeline's decode (after the loop): latents / (1 / latents_std) + latents_mean per channel,
 * both float32 tensors as the pipeline makes them, then AutoencoderKLWan.decode (its output is
 * clamped to [−1, 1]), then the video processor's (x / 2 + 0.5) clamped to [0, 1].
 */

export interface WanDecoded {
  /** The VAE's input [1, z, F, h, w]. */
  vaeInput: Tensor
  /** The VAE's output [1, 3, frames, H, W], clamped to [−1, 1]. */
  decoded: Tensor
  /** decoded / 2 + 0.5, in [0, 1]: diffusers' output_type 'np' frames before their HWC transpose. */
  video: Tensor
}

/** latents / latents_std⁻¹ + latents_mean, channel by channel (axis 1), in float32. */
export function denormalizeLatents(latents: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const [B, C] = latents.dims
  if (latents.dims.length !== 5 || C !== mean.length || C !== std.length)
    throw new Error(
      `cannot denormalize latents [${latents.dims.join(', ')}] with ${mean.length} channel means and ${std.length} stds`
    )
  const plane = latents.data.length / (B * C)
  const out = new Float32Array(latents.data.length)
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const inv = Math.fround(1 / Math.fround(std[c]))
      const m = Math.fround(mean[c])
      const base = (b * C + c) * plane
      for (let i = 0; i < plane; i++)
        out[base + i] = Math.fround(Math.fround(latents.data[base + i] / inv) + m)
    }
  return tensor(out, latents.dims)
}

export async function wanDecode(
  model: WanModel,
  latents: Tensor,
  beforeCall: BeforeCall
): Promise<WanDecoded> {
  const vae = model.vaeDecoder
  if (!vae)
    throw new EngineFailure(
      'model_invalid',
      `${model.name}: the folder has no vae_decoder/model.onnx, so its latents cannot be decoded into frames`
    )
  const { latents_mean, latents_std } = model.configs.vae
  const vaeInput = denormalizeLatents(latents, latents_mean, latents_std)
  const input = vae.inputs[0]
  const fixed = input.shape[2]
  if (typeof fixed === 'number' && fixed !== latents.dims[2])
    throw new EngineFailure(
      'bad_request',
      `${vae.label}: decodes ${fixed} latent frames only (exported with that many fixed); this video has ${latents.dims[2]}`
    )
  beforeCall()
  const out = await vae.run({ [input.name]: vaeInput }, [vae.outputNames[0]])
  const raw = out[vae.outputNames[0]]
  // NaN would become black pixels in a video that looks like a real output.
  assertFinite(raw, `${vae.label}'s output`)
  if (raw.dims.length !== 5 || raw.dims[1] !== 3)
    throw new EngineFailure(
      'model_invalid',
      `${vae.label}: output [${raw.dims.join(', ')}], expected a video [1, 3, frames, H, W]`
    )
  const decoded = new Float32Array(raw.data.length)
  const video = new Float32Array(raw.data.length)
  for (let i = 0; i < decoded.length; i++) {
    const d = Math.min(1, Math.max(-1, raw.data[i]))
    decoded[i] = d
    video[i] = Math.min(1, Math.max(0, Math.fround(d / 2) + 0.5))
  }
  return { vaeInput, decoded: tensor(decoded, raw.dims), video: tensor(video, raw.dims) }
}
