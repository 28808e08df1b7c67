import type { ValueInfo } from '../../model/session'
import { fixedDim, graphInput } from '../input-shapes'
import type { WanTransformerConfig, WanVaeConfig } from './configs'
import type { WanShape } from './model'

/**
 * What sizes and frame counts a Wan folder's graphs take, read from their declared input shapes:
 * a static transformer (the TorchScript export: hidden_states [1, C, F, h, w] with numbers) fixes
 * the latent's frames, height and width and its encoder_hidden_states the text length; a VAE
 * decoder with a fixed frame axis fixes the frames. Dynamic axes (names) leave the request free
 * within WanPipeline's rules: sides multiples of VAE scale · patch, frames 1 + k · temporal scale.
 */

/** WanPipeline's num_frames → latent frames: (F − 1) / temporal scale + 1. */
export function latentFrames(frames: number, temporal: number): number {
  return (frames - 1) / temporal + 1
}

export function wanShape(
  transformer: WanTransformerConfig,
  vae: WanVaeConfig,
  transformerInputs: readonly ValueInfo[],
  vaeInput: ValueInfo | null
): WanShape {
  const spatial = vae.scale_factor_spatial
  const temporal = vae.scale_factor_temporal
  const [, ph, pw] = transformer.patch_size
  const hidden = graphInput(transformerInputs, 'hidden_states')?.shape
  const text = graphInput(transformerInputs, 'encoder_hidden_states')?.shape
  const [lf, lh, lw] = [fixedDim(hidden?.[2]), fixedDim(hidden?.[3]), fixedDim(hidden?.[4])]
  const vaeFrames = fixedDim(vaeInput?.shape[2])
  const framesOf = (latent: number) => (latent - 1) * temporal + 1
  const fixedLatentFrames = lf ?? vaeFrames
  // RoPE is tabulated for rope_max_seq_len positions per axis: the patched latent's frames, rows
  // and columns may not exceed it (a larger one fails inside the transformer's RoPE reshape).
  const rope = transformer.rope_max_seq_len
  const [pt] = transformer.patch_size
  return {
    multipleOf: spatial * Math.max(ph, pw),
    max: Math.min(4096, rope * spatial * Math.min(ph, pw)),
    fixed: lh !== null && lw !== null ? { width: lw * spatial, height: lh * spatial } : null,
    frameStep: temporal,
    maxFrames: (rope * pt - 1) * temporal + 1,
    fixedFrames: fixedLatentFrames === null ? null : framesOf(fixedLatentFrames),
    fixedTextLength: fixedDim(text?.[1])
  }
}

/** Why a request's size or frames do not fit the shape (null: they do). */
export function wanShapeProblem(
  shape: WanShape,
  width: number,
  height: number,
  frames: number
): string | null {
  if (shape.fixed && (width !== shape.fixed.width || height !== shape.fixed.height))
    return `its graphs are static: ${shape.fixed.width}×${shape.fixed.height} only, not ${width}×${height}`
  for (const [name, v] of [
    ['width', width],
    ['height', height]
  ] as const)
    if (v % shape.multipleOf !== 0 || v < shape.multipleOf || v > shape.max)
      return `${name} ${v}: sides must be multiples of ${shape.multipleOf} up to ${shape.max}`
  if (shape.fixedFrames !== null && frames !== shape.fixedFrames)
    return `its graphs take ${shape.fixedFrames} frames only, not ${frames}`
  if (frames < 1 || (frames - 1) % shape.frameStep !== 0 || frames > shape.maxFrames)
    return `frames ${frames}: must be 1 + a multiple of ${shape.frameStep} up to ${shape.maxFrames}`
  return null
}
