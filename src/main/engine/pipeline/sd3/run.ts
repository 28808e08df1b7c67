import { assertFinite } from '../../cache/non-finite'
import type { BeforeCall } from '../../model/block-program'
import { tensor, type Tensor } from '../../tensor'
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

export interface Sd3Decoded {
  /** The VAE's input: latents / scaling_factor + shift_factor. */
  vaeInput: Tensor
  /** The VAE's output, in about [-1, 1]. */
  decoded: Tensor
  /** (decoded / 2 + 0.5) clamped to [0, 1]. */
  image: Tensor
}

export async function sd3Decode(
  model: Sd3Model,
  latents: Tensor,
  beforeCall: BeforeCall
): Promise<Sd3Decoded> {
  const scale = Math.fround(model.configs.vae.scaling_factor)
  const shift = Math.fround(model.configs.vae.shift_factor ?? 0)
  const x = new Float32Array(latents.data.length)
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(latents.data[i] / scale) + shift
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
