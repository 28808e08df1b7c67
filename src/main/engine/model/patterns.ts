import type { ForwardPattern } from '../../../shared/manifest'
import type { Streams } from '../cache/seam'
import type { Tensor } from '../tensor'

/**
 * CacheDiT's forward patterns as data (docs/model-package.md): which streams a block takes and
 * returns, with the ONNX names of its inputs and outputs in order.
 */

export const HIDDEN = 'hidden_states'
export const ENCODER = 'encoder_hidden_states'
export const HIDDEN_OUT = 'hidden_states_out'
export const ENCODER_OUT = 'encoder_hidden_states_out'

export interface PatternIO {
  inputs: readonly string[]
  outputs: readonly string[]
  takesEncoder: boolean
  returnsEncoder: boolean
}

const io = (inputs: string[], outputs: string[]): PatternIO => ({
  inputs,
  outputs,
  takesEncoder: inputs.includes(ENCODER),
  returnsEncoder: outputs.includes(ENCODER_OUT)
})

export const PATTERN_IO: Record<ForwardPattern, PatternIO> = {
  Pattern_0: io([HIDDEN, ENCODER], [HIDDEN_OUT, ENCODER_OUT]),
  Pattern_1: io([HIDDEN, ENCODER], [ENCODER_OUT, HIDDEN_OUT]),
  Pattern_2: io([HIDDEN, ENCODER], [HIDDEN_OUT]),
  Pattern_3: io([HIDDEN], [HIDDEN_OUT]),
  Pattern_4: io([HIDDEN], [HIDDEN_OUT, ENCODER_OUT]),
  Pattern_5: io([HIDDEN], [ENCODER_OUT, HIDDEN_OUT])
}

/** Inputs of a block graph that are not streams: context tensors from the embed graph. */
export function contextInputs(inputNames: readonly string[]): string[] {
  return inputNames.filter((n) => n !== HIDDEN && n !== ENCODER)
}

/**
 * An embed graph's outputs (by name, from `out`, which may hold more) split into the streams
 * that enter block 0 and the context tensors the blocks and the final graph read.
 */
export function splitEmbedOutputs(
  out: Readonly<Record<string, Tensor>>,
  embedOutputNames: readonly string[]
): { streams: Streams; context: Record<string, Tensor> } {
  const context: Record<string, Tensor> = {}
  for (const name of contextInputs(embedOutputNames)) context[name] = out[name]
  return { streams: { hidden: out[HIDDEN], encoder: out[ENCODER] ?? null }, context }
}
