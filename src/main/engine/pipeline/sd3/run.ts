import type { BeforeCall } from '../../model/block-program'
import type { Tensor } from '../../tensor'
import { vaeDecodeImage, type VaeDecoded } from '../vae-decode'
import type { Sd3Model } from './model'
import { encodeSd3, tokenizeSd3, type Sd3Text, type Sd3TokenIds } from './text'

/**
 * StableDiffusion3Pipeline's steps around the loop, shared by generate and replay: the prompt
 * and the negative prompt through CLIP-L, CLIP-G and T5, and the latents / scaling_factor +
 * shift_factor decoded by the VAE, (x / 2 + 0.5) clamped as diffusers' image processor does.
 */

export interface Sd3PromptTokens {
  cond: Sd3TokenIds
  uncond: Sd3TokenIds
}

export function tokenizeSd3Prompts(
  model: Sd3Model,
  prompt: string,
  negativePrompt: string,
  maxSequenceLength = model.defaults.maxSequenceLength
): Sd3PromptTokens {
  return {
    cond: tokenizeSd3(model, prompt, maxSequenceLength),
    uncond: tokenizeSd3(model, negativePrompt, maxSequenceLength)
  }
}

export async function encodeSd3Prompts(
  model: Sd3Model,
  tokens: Sd3PromptTokens,
  beforeCall: BeforeCall
): Promise<{ cond: Sd3Text; uncond: Sd3Text }> {
  return {
    cond: await encodeSd3(model, tokens.cond, beforeCall),
    uncond: await encodeSd3(model, tokens.uncond, beforeCall)
  }
}

/** The VAE's input (latents / scaling_factor + shift_factor), its output and the image. */
export function sd3Decode(model: Sd3Model, latents: Tensor, beforeCall: BeforeCall): Promise<VaeDecoded> {
  const vae = model.configs.vae
  return vaeDecodeImage(model.vaeDecoder, latents, vae.scaling_factor, vae.shift_factor ?? 0, beforeCall)
}
