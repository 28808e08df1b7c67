import { assertFinite } from '../cache/non-finite'
import type { BeforeCall } from '../model/block-program'
import type { Session } from '../model/session'
import { tensor, type Tensor } from '../tensor'

/**
 * An image VAE decoder as diffusers' pipelines call it (FLUX, SD3, PixArt): latents /
 * scaling_factor (+ shift_factor where the VAE has one), the decoder, then the image processor's
 * (decoded / 2 + 0.5) clamped to [0, 1]; each step in float32 as torch computes it.
 */

export interface VaeDecoded {
  /** The VAE's input: latents / scaling_factor (+ shift_factor). */
  vaeInput: Tensor
  /** The VAE's output, in about [-1, 1]. */
  decoded: Tensor
  /** (decoded / 2 + 0.5) clamped to [0, 1]. */
  image: Tensor
}

/**
 * The VAE's downscale: 2^(number of its blocks − 1), diffusers' vae_scale_factor of an
 * AutoencoderKL (8 for FLUX.1's and SD3's).
 */
export function vaeScaleFactor(blockOutChannels: readonly number[]): number {
  return 2 ** (blockOutChannels.length - 1)
}

/** `shift` null: the VAE has no shift_factor (PixArt's), so nothing is added. */
export async function vaeDecodeImage(
  vae: Session,
  latents: Tensor,
  scalingFactor: number,
  shiftFactor: number | null,
  beforeCall: BeforeCall
): Promise<VaeDecoded> {
  const scale = Math.fround(scalingFactor)
  const x = new Float32Array(latents.data.length)
  if (shiftFactor === null) {
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(latents.data[i] / scale)
  } else {
    const shift = Math.fround(shiftFactor)
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(latents.data[i] / scale) + shift
  }
  const vaeInput = tensor(x, latents.dims)
  beforeCall()
  const out = await vae.run({ [vae.inputNames[0]]: vaeInput }, [vae.outputNames[0]])
  const decoded = out[vae.outputNames[0]]
  // NaN would become black pixels in a PNG that looks like a real output.
  assertFinite(decoded, `${vae.label}'s output`)
  const img = new Float32Array(decoded.data.length)
  for (let i = 0; i < img.length; i++)
    img[i] = Math.min(1, Math.max(0, Math.fround(decoded.data[i] / 2) + 0.5))
  return { vaeInput, decoded, image: tensor(img, decoded.dims) }
}
