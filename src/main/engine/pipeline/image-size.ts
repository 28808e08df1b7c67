import { EngineFailure } from '../errors'

/**
 * A requested image size on a model whose sides may be any multiple of one step up to a maximum
 * (FLUX: VAE scale · 2; SD3: VAE scale · patch, within the position embedding's crop; a PixArt-Σ
 * graph that fixes no size: VAE scale · patch).
 */
export function checkSideMultiples(
  model: { id: string; sizes: { multipleOf: number; max: number } },
  width: number,
  height: number
): void {
  const { multipleOf, max } = model.sizes
  for (const [name, v] of [
    ['width', width],
    ['height', height]
  ] as const) {
    if (!Number.isInteger(v) || v % multipleOf !== 0 || v < multipleOf || v > max)
      throw new EngineFailure(
        'bad_request',
        `${name} ${v}: ${model.id} makes images whose sides are multiples of ${multipleOf} up to ${max}`
      )
  }
}
