import type { ForwardPattern } from '../../../shared/manifest'
import type { Streams } from '../cache/seam'
import type { Tensor } from '../tensor'
import { contextInputs, ENCODER, ENCODER_OUT, HIDDEN, HIDDEN_OUT, PATTERN_IO } from './patterns'
import { isOpaque, type Feed, type Fetched } from './session'

/**
 * What a segment session is fed and what its outputs mean (model/block-program.ts runs the
 * sessions): its inputs picked by name from the streams, the context tensors or the embed feeds;
 * its outputs read back as the streams leaving the segment, and a fused final graph's velocity.
 */

/** The velocity a segment that fuses the final graph computed, and the hidden stream it is for. */
export interface FinalStash {
  hidden: Tensor | null
  velocity: Tensor | null
}

/** A segment's feeds: the streams entering it and, for every other input, a context tensor. */
export function segmentFeeds(
  inputNames: readonly string[],
  input: Streams,
  context: Readonly<Record<string, Fetched>>,
  label: string
): Record<string, Feed> {
  const feeds: Record<string, Feed> = {}
  for (const name of inputNames) {
    if (name === HIDDEN) feeds[name] = input.hidden
    else if (name === ENCODER) {
      if (!input.encoder) throw new Error(`${label}: needs ${ENCODER} but the stream has none`)
      feeds[name] = input.encoder
    } else {
      const value = context[name]
      if (!value) throw new Error(`${label}: context tensor "${name}" was not provided by the embed graph`)
      feeds[name] = value
    }
  }
  return feeds
}

/** The feeds of a first segment that fuses the embed graph: its inputs, from the embed feeds. */
export function embedFeeds(
  inputNames: readonly string[],
  feeds: Readonly<Record<string, Feed>>,
  label: string
): Record<string, Feed> {
  const picked: Record<string, Feed> = {}
  for (const name of inputNames) {
    const value = feeds[name]
    if (!value) throw new Error(`${label}: embed input "${name}" was not provided`)
    picked[name] = value
  }
  return picked
}

/**
 * What a first segment that fuses the embed graph fetches when the streams entering block 0 are
 * not wanted (BlockProgram's #enter without `wantInput`): everything but them, except that a
 * pattern without an encoder output hands the embed graph's encoder stream on, so it is kept then.
 */
export function enteredFetches(pattern: ForwardPattern, outputNames: readonly string[]): string[] {
  const skip = PATTERN_IO[pattern].returnsEncoder ? [HIDDEN, ENCODER] : [HIDDEN]
  return outputNames.filter((name) => !skip.includes(name))
}

/**
 * The call's context tensors from such a segment's outputs, and the encoder stream it hands on
 * (null where the pattern returns its own, or the embed graph makes none).
 */
export function enteredContext(
  pattern: ForwardPattern,
  out: Record<string, Fetched>,
  embedOutputs: readonly string[],
  label: string
): { context: Record<string, Fetched>; passed: Tensor | null } {
  const context: Record<string, Fetched> = {}
  for (const name of contextInputs(embedOutputs)) context[name] = out[name]
  const returnsEncoder = PATTERN_IO[pattern].returnsEncoder
  const passed = returnsEncoder || out[ENCODER] === undefined ? null : float32(out, ENCODER, label)
  return { context, passed }
}

/**
 * A segment's output streams (the encoder stream handed on where the pattern returns none);
 * a fused final graph's velocity goes to the stash.
 */
export function streamsOut(
  pattern: ForwardPattern,
  out: Record<string, Fetched>,
  inputEncoder: Tensor | null,
  stash: FinalStash,
  label: string
): Streams {
  const returnsEncoder = PATTERN_IO[pattern].returnsEncoder
  const hidden = float32(out, HIDDEN_OUT, label)
  const velocity = out.velocity ? float32(out, 'velocity', label) : null
  stash.hidden = velocity ? hidden : null
  stash.velocity = velocity
  return { hidden, encoder: returnsEncoder ? float32(out, ENCODER_OUT, label) : inputEncoder }
}

/** A stream output, which is float32 in every graph the engine runs (imported ones cast to it). */
function float32(out: Readonly<Record<string, Fetched>>, name: string, label: string): Tensor {
  const value = out[name]
  if (!value) throw new Error(`${label}: returned no "${name}"`)
  if (isOpaque(value))
    throw new Error(`${label}: output "${name}" is ${value.type}, the engine expects float32`)
  return value
}
