import type { ValueInfo } from '../model/session'

/**
 * What an ONNX export fixed, read from a graph's declared input shapes (the PixArt-Σ, Qwen-Image
 * and Wan families size their requests by it): a dimension is fixed where the export wrote a
 * positive number, free where it wrote a name (a dynamic axis) or nothing.
 */

/** The graph's input of that name; null where it has none. */
export function graphInput(inputs: readonly ValueInfo[], name: string): ValueInfo | null {
  return inputs.find((v) => v.name === name) ?? null
}

/** A dimension the export fixed; null where it is dynamic or absent. */
export function fixedDim(d: number | string | undefined): number | null {
  return typeof d === 'number' && d > 0 ? d : null
}
