import { assertFinite } from '../cache/non-finite'
import type { LoadedModel } from '../model/loaded-model'
import type { Tensor } from '../tensor'

/** Latent → image tensor → RGBA8 frames. */

export interface Frames {
  width: number
  height: number
  frames: number
  /** RGBA8, frame-major. */
  pixels: Uint8Array<ArrayBuffer>
}

/**
 * The decoder's `image` ([1, 3, H, W], video [1, 3, F, H, W], values in [0, 1]). Without a
 * decoder the latent is the image (pixel-space models), read with the same [0, 1] convention.
 */
export async function decodeLatent(model: LoadedModel, latent: Tensor): Promise<Tensor> {
  if (!model.decoder) return latent
  const out = await model.decoder.run({ latent }, ['image'])
  // NaN would become black pixels in a PNG that looks like a real output.
  assertFinite(out.image, 'the decoder output')
  return out.image
}

/** First sample of an image tensor as RGBA8 frames: round(clamp(v, 0, 1)·255), alpha 255. */
export function toFrames(image: Tensor, video: boolean): Frames {
  const d = image.dims
  const [channels, frames, height, width] = video ? [d[1], d[2], d[3], d[4]] : [d[1], 1, d[2], d[3]]
  if (d.length !== (video ? 5 : 4) || channels !== 3) {
    throw new Error(`expected an RGB image [1, 3, ${video ? 'F, ' : ''}H, W], got [${d.join(', ')}]`)
  }
  const plane = frames * height * width
  const pixels = new Uint8Array(plane * 4)
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < height * width; p++) {
      const src = f * height * width + p
      const dst = src * 4
      for (let c = 0; c < 3; c++) pixels[dst + c] = toByte(image.data[c * plane + src])
      pixels[dst + 3] = 255
    }
  }
  return { width, height, frames, pixels }
}

function toByte(v: number): number {
  if (!(v > 0)) return 0 // NaN too
  if (v >= 1) return 255
  return Math.round(v * 255)
}
