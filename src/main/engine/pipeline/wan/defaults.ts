import type { WanModel, WanShape } from './model'

/** A default side within what the graphs take: the largest multiple of the grid at most max. */
function fit(side: number, shape: WanShape): number {
  return Math.min(side, Math.floor(shape.max / shape.multipleOf) * shape.multipleOf)
}

/**
 * WanPipeline's __call__ defaults (480×832, 81 frames, 50 steps, guidance 5, an empty negative
 * prompt, max_sequence_length 512), narrowed to what the graphs take: a static export's size,
 * frames and text length, sides and frames within the RoPE table, and never a longer text than
 * the tokenizer's model_max_length.
 */
export function wanDefaults(shape: WanShape, tokenizerMaxLength: number): WanModel['defaults'] {
  return {
    steps: 50,
    guidanceScale: 5,
    guidanceScale2: null,
    negativePrompt: '',
    width: shape.fixed?.width ?? fit(832, shape),
    height: shape.fixed?.height ?? fit(480, shape),
    frames: shape.fixedFrames ?? Math.min(81, shape.maxFrames),
    maxSequenceLength: shape.fixedTextLength ?? Math.min(512, tokenizerMaxLength)
  }
}
