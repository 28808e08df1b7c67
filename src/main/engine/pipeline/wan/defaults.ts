import type { WanModel, WanShape } from './model'

/**
 * WanPipeline's __call__ defaults (480×832, 81 frames, 50 steps, guidance 5, an empty negative
 * prompt, max_sequence_length 512), narrowed to what the graphs take: a static export's size,
 * frames and text length, and never a longer text than the tokenizer's model_max_length.
 */
export function wanDefaults(shape: WanShape, tokenizerMaxLength: number): WanModel['defaults'] {
  return {
    steps: 50,
    guidanceScale: 5,
    guidanceScale2: null,
    negativePrompt: '',
    width: shape.fixed?.width ?? 832,
    height: shape.fixed?.height ?? 480,
    frames: shape.fixedFrames ?? 81,
    maxSequenceLength: shape.fixedTextLength ?? Math.min(512, tokenizerMaxLength)
  }
}
