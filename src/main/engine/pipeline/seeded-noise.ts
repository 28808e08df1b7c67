import { tensor, type Tensor } from '../tensor'
import { gaussianNoise } from './noise'

/**
 * A family pipeline's initial latents (prepare_latents' randn): the request's seeded noise in the
 * latent's layout `dims`, or the noise a parity test injects (PipelineHooks.noise), which must
 * have the latent's size. `size` names the request's size in the refusal (`640×480`, a video's
 * `640×480×9`). Families that pack their latents (FLUX, Qwen-Image) pack the result.
 */
export function seededNoise(
  injected: Float32Array | undefined,
  seed: number,
  dims: readonly number[],
  size: string
): Tensor {
  const count = dims.reduce((a, b) => a * b, 1)
  if (injected && injected.length !== count)
    throw new Error(`the injected noise has ${injected.length} values, a ${size} latent ${count}`)
  return tensor(injected ? Float32Array.from(injected) : gaussianNoise(seed, count), dims)
}

/** An image family's latent layout [1, C, H / vae scale, W / vae scale] (prepare_latents). */
export function imageLatentDims(channels: number, width: number, height: number, vaeScale: number): number[] {
  return [1, channels, Math.floor(height / vaeScale), Math.floor(width / vaeScale)]
}
