import { tensor, type Tensor } from '../../tensor'

/**
 * FLUX's latent geometry, as FluxPipeline lays it out: the VAE latent [B, C, H, W] is cut into
 * 2×2 patches and packed to [B, (H/2)·(W/2), C·4] tokens; each image token has an id
 * (0, row, column) for RoPE, each text token (0, 0, 0).
 */

/** The latent's height and width for an image size: 2·⌊size / (vae scale · 2)⌋ as the pipeline rounds. */
export function latentSize(width: number, height: number, vaeScale: number): { h: number; w: number } {
  return {
    h: 2 * Math.floor(height / (vaeScale * 2)),
    w: 2 * Math.floor(width / (vaeScale * 2))
  }
}

/** [B, C, H, W] → [B, (H/2)(W/2), 4C]: view(B, C, H/2, 2, W/2, 2).permute(0, 2, 4, 1, 3, 5). */
export function packLatents(x: Tensor): Tensor {
  const [B, C, H, W] = x.dims
  if (x.dims.length !== 4 || H % 2 !== 0 || W % 2 !== 0)
    throw new Error(`cannot pack a latent of shape [${x.dims.join(', ')}] into 2×2 patches`)
  const out = new Float32Array(x.data.length)
  forEachPatchValue(B, C, H, W, (packed, unpacked) => (out[packed] = x.data[unpacked]))
  return tensor(out, [B, (H / 2) * (W / 2), C * 4])
}

/**
 * Visits every value of a [B, C, H, W] latent in packed order ([B, (H/2)(W/2), C·2·2]), giving
 * its packed and unpacked flat indices: packing and unpacking are the same walk, copied both ways.
 */
function forEachPatchValue(
  B: number,
  C: number,
  H: number,
  W: number,
  visit: (packed: number, unpacked: number) => void
): void {
  let o = 0
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H / 2; i++)
      for (let j = 0; j < W / 2; j++)
        for (let c = 0; c < C; c++)
          for (let di = 0; di < 2; di++)
            for (let dj = 0; dj < 2; dj++) visit(o++, ((b * C + c) * H + 2 * i + di) * W + 2 * j + dj)
}

/** The inverse of packLatents for a latent of height H and width W. */
export function unpackLatents(packed: Tensor, H: number, W: number): Tensor {
  const [B, N, C4] = packed.dims
  const h = H / 2
  const w = W / 2
  if (packed.dims.length !== 3 || N !== h * w || C4 % 4 !== 0)
    throw new Error(`cannot unpack [${packed.dims.join(', ')}] into a ${H}×${W} latent`)
  const C = C4 / 4
  const out = new Float32Array(packed.data.length)
  forEachPatchValue(B, C, H, W, (p, unpacked) => (out[unpacked] = packed.data[p]))
  return tensor(out, [B, C, H, W])
}

/** _prepare_latent_image_ids: [(H/2)·(W/2), 3] with (0, row, column) of each packed token. */
export function latentImageIds(H: number, W: number): Tensor {
  const h = H / 2
  const w = W / 2
  const ids = new Float32Array(h * w * 3)
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      ids[(i * w + j) * 3 + 1] = i
      ids[(i * w + j) * 3 + 2] = j
    }
  return tensor(ids, [h * w, 3])
}

/** text_ids: zeros [L, 3]. */
export function textIds(length: number): Tensor {
  return tensor(new Float32Array(length * 3), [length, 3])
}
