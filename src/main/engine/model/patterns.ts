import type { ForwardPattern } from '../../../shared/manifest'
import type { Streams } from '../cache/seam'
import type { Tensor } from '../tensor'
import { isOpaque, type Fetched } from './session'

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
  out: Readonly<Record<string, Fetched>>,
  embedOutputNames: readonly string[],
  label = 'embed graph'
): { streams: Streams; context: Record<string, Fetched> } {
  const context: Record<string, Fetched> = {}
  for (const name of contextInputs(embedOutputNames)) context[name] = out[name]
  const stream = (name: string): Tensor | null => {
    const value = out[name]
    if (value === undefined) return null
    if (isOpaque(value))
      throw new Error(`${label}: output "${name}" is ${value.type}, the engine expects float32`)
    return value
  }
  const hidden = stream(HIDDEN)
  if (!hidden) throw new Error(`${label}: returned no "${HIDDEN}"`)
  return { streams: { hidden, encoder: stream(ENCODER) }, context }
}
