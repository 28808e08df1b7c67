import type { ModelInfo } from './manifest'

/**
 * What a request may ask of a model, from its ModelInfo alone: the widths, heights and frame
 * counts the generate view offers and the problem it names before a run. The engine checks the
 * same rules again (each family's pipeline refuses a size or frame count its graphs cannot take);
 * these exist so that the view never offers one.
 */

type Shape = Pick<ModelInfo, 'sizes' | 'frames' | 'output'>

/**
 * The widths (or heights) a model accepts: the one size of a static export, else every multiple
 * of sizes.multipleOf up to sizes.max; none for our own packages (one size each).
 */
export function sizeChoices(model: Pick<ModelInfo, 'sizes'>, axis: 'width' | 'height' = 'width'): number[] {
  if (!model.sizes) return []
  if (model.sizes.fixed) return [model.sizes.fixed[axis]]
  const { multipleOf, max } = model.sizes
  if (multipleOf <= 0) return []
  return Array.from({ length: Math.floor(max / multipleOf) }, (_, k) => (k + 1) * multipleOf)
}

/** Why a width × height does not suit the model, in words; null when it does (or the size is its own). */
export function sizeProblem(
  model: Pick<ModelInfo, 'sizes'>,
  width: number | null,
  height: number | null
): string | null {
  if (!model.sizes) return null
  const { multipleOf, max, fixed } = model.sizes
  if (fixed && (width !== fixed.width || height !== fixed.height))
    return `This export is static: ${fixed.width}×${fixed.height} only`
  for (const [name, v] of [
    ['Width', width],
    ['Height', height]
  ] as const) {
    if (v === null || !Number.isInteger(v) || v < multipleOf || v > max || v % multipleOf !== 0)
      return `${name} must be a multiple of ${multipleOf} up to ${max}`
  }
  return null
}

/** Longest list of frame counts offered; a model allowing more is offered its first ones. */
export const MAX_FRAME_CHOICES = 64

/**
 * The frame counts a video model accepts: a static export's one count, else 1 + k·step up to max
 * (Wan: 1, 5, 9, … with its VAE's temporal scale 4); none for a model whose request sets no frames.
 */
export function frameChoices(model: Pick<ModelInfo, 'frames'>): number[] {
  const f = model.frames
  if (!f) return []
  if (f.fixed !== undefined) return [f.fixed]
  if (f.step <= 0) return []
  const count = Math.min(MAX_FRAME_CHOICES, Math.floor((f.max - 1) / f.step) + 1)
  return Array.from({ length: count }, (_, k) => 1 + k * f.step)
}

/** Why a frame count does not suit the model, in words; null when it does (or the model sets none). */
export function framesProblem(model: Pick<ModelInfo, 'frames'>, frames: number | null): string | null {
  const f = model.frames
  if (!f) return null
  if (f.fixed !== undefined)
    return frames === f.fixed ? null : `This export is static: ${f.fixed} frames only`
  if (
    frames === null ||
    !Number.isInteger(frames) ||
    frames < 1 ||
    frames > f.max ||
    (frames - 1) % f.step !== 0
  )
    return `Frames must be 1 + a multiple of ${f.step} up to ${f.max}`
  return null
}

/** The size and frames a model starts at in the form: its own default, within what it accepts. */
export function defaultShape(model: Shape): {
  width: number | null
  height: number | null
  frames: number | null
} {
  const size = model.sizes?.fixed ?? (model.sizes ? model.output : null)
  const frames = model.frames ? (model.frames.fixed ?? model.output.frames) : null
  return { width: size?.width ?? null, height: size?.height ?? null, frames }
}

/** Whether the model's family uses a negative prompt (CFG); our own packages do. */
export const usesNegativePrompt = (model: Pick<ModelInfo, 'guidance'>): boolean =>
  (model.guidance ?? 'cfg') === 'cfg'

/** Whether the model takes a guidance scale (CFG or guidance-distilled). */
export const usesGuidanceScale = (model: Pick<ModelInfo, 'guidance'>): boolean => model.guidance !== 'none'
