import { assertFinite } from '../../cache/non-finite'
import type { BeforeCall } from '../../model/block-program'
import { tensor, type Tensor } from '../../tensor'
import type { PixArtModel } from './model'
import { encodePixArt, tokenizePixArt, type PixArtText, type PixArtTokens } from './text'

/**
 * PixArtSigmaPipeline's steps around the loop, shared by generate and replay: the prompt and
 * negative prompt through T5 (each with its mask), and the latents / scaling_factor decoded by
 * the VAE, (x / 2 + 0.5) clamped as diffusers' image processor post-processes it.
 */

export interface PixArtPromptTokens {
  cond: PixArtTokens
  uncond: PixArtTokens
}

export function tokenizePixArtPrompts(
  model: PixArtModel,
  prompt: string,
  negativePrompt: string,
  maxLength = model.defaults.maxSequenceLength
): PixArtPromptTokens {
  return {
    cond: tokenizePixArt(model.tokenizer, prompt, maxLength),
    // encode_prompt pads the negative prompt to the prompt's length.
    uncond: tokenizePixArt(model.tokenizer, negativePrompt, maxLength)
  }
}

export async function encodePixArtPrompts(
  model: PixArtModel,
  tokens: PixArtPromptTokens,
  beforeCall: BeforeCall
): Promise<{ cond: PixArtText; uncond: PixArtText }> {
  return {
    cond: await encodePixArt(model.textEncoder, tokens.cond, beforeCall),
    uncond: await encodePixArt(model.textEncoder, tokens.uncond, beforeCall)
  }
}

export interface PixArtDecoded {
  /** The VAE's input: latents / scaling_factor. */
  vaeInput: Tensor
  /** The VAE's output, in about [-1, 1]. */
  decoded: Tensor
  /** (decoded / 2 + 0.5) clamped to [0, 1]. */
  image: Tensor
}

export async function pixartDecode(
  model: PixArtModel,
  latents: Tensor,
  beforeCall: BeforeCall
): Promise<PixArtDecoded> {
  const scale = Math.fround(model.configs.vae.scaling_factor)
  const x = new Float32Array(latents.data.length)
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(latents.data[i] / scale)
  const vaeInput = tensor(x, latents.dims)
  const vae = model.vaeDecoder
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
