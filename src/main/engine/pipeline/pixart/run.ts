import type { BeforeCall } from '../../model/block-program'
import type { Tensor } from '../../tensor'
import { vaeDecodeImage, type VaeDecoded } from '../vae-decode'
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

/** The VAE's input (latents / scaling_factor), its output and the image. */
export function pixartDecode(
  model: PixArtModel,
  latents: Tensor,
  beforeCall: BeforeCall
): Promise<VaeDecoded> {
  return vaeDecodeImage(model.vaeDecoder, latents, model.configs.vae.scaling_factor, null, beforeCall)
}
