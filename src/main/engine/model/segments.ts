import type { ForwardPattern } from '../../../shared/manifest'
import { mergeGraphs, type GraphPart } from './graph-merge'
import { graphInputNames, graphOutputNames, type ModelProto } from './onnx-graph'
import { ENCODER, ENCODER_OUT, HIDDEN, HIDDEN_OUT, PATTERN_IO } from './patterns'

/**
 * The segment compiler: consecutive per-block graphs become one graph, so a run of blocks is one
 * session call. Block k's stream outputs feed block k+1's stream inputs by the pattern's names;
 * context tensors (temb, …) are shared graph inputs.
 */

export interface BlockGraph {
  model: ModelProto
  pattern: ForwardPattern
}

interface StreamNames {
  hidden: string
  encoder: string | null
}

/** Wires blocks into parts; returns the parts and where the streams end up. */
function wireBlocks(blocks: readonly BlockGraph[], start: StreamNames, firstIndex: number) {
  const parts: GraphPart[] = []
  const contexts = new Set<string>()
  let streams = start
  // Extra outputs of earlier blocks (an imported model's cross-block reads): a later block's
  // input of the same name reads the output; without its producer in the segment it is an input.
  const made = new Map<string, string>()
  blocks.forEach((block, i) => {
    const prefix = `b${firstIndex + i}/`
    const io = PATTERN_IO[block.pattern]
    const inputs: Record<string, string> = {}
    for (const name of graphInputNames(block.model)) {
      if (name === HIDDEN) inputs[name] = streams.hidden
      else if (name === ENCODER) {
        if (!streams.encoder)
          throw new Error(`block ${firstIndex + i} reads ${ENCODER} but no block or input provides it`)
        inputs[name] = streams.encoder
      } else if (made.has(name)) inputs[name] = made.get(name) as string
      else {
        inputs[name] = name
        contexts.add(name)
      }
    }
    for (const out of graphOutputNames(block.model))
      if (!io.outputs.includes(out)) made.set(out, prefix + out)
    parts.push({ model: block.model, prefix, inputs, outputs: {} })
    streams = {
      hidden: prefix + HIDDEN_OUT,
      encoder: io.returnsEncoder ? prefix + ENCODER_OUT : streams.encoder
    }
  })
  return { parts, contexts: [...contexts], streams }
}

export interface SegmentSpec {
  /** Index of blocks[0] in its list: the prefix of its names (`b<k>/`). */
  firstIndex: number
  name: string
  /**
   * The transformer's embed graph, put in front of the blocks: the segment then reads the embed
   * graph's inputs, and the streams and context tensors it makes are outputs too (the cache needs
   * the streams that entered the blocks, later segments the context tensors).
   */
  embed?: ModelProto
  /** The transformer's final graph, appended: `velocity` is one more output. */
  final?: ModelProto
  /** Static batch size (MergeSpec.batch). */
  batch?: number
  /** MergeSpec.fuse: on unless false. */
  fuse?: boolean
}

/**
 * One graph for blocks[0..n): inputs `hidden_states` (+ `encoder_hidden_states` when the first
 * block reads it) + context tensors, or the embed graph's inputs with `embed`; outputs the
 * pattern's outputs of the last block, after the embed graph's outputs with `embed` and before
 * `velocity` with `final`.
 */
export function compileSegment(blocks: readonly BlockGraph[], spec: SegmentSpec): Uint8Array {
  if (blocks.length === 0) throw new Error('a segment needs at least one block')
  const last = PATTERN_IO[blocks[blocks.length - 1].pattern]
  const { parts, inputs, outputs } = frontParts(blocks, spec.firstIndex, spec.embed)
  const lastPart = parts[parts.length - 1]
  for (const out of last.outputs) lastPart.outputs[out] = out
  outputs.push(...last.outputs)
  if (spec.final) {
    parts.push(finalPart(spec.final, HIDDEN_OUT, spec.embed ? null : inputs))
    outputs.push('velocity')
  }
  return mergeGraphs(parts, { name: spec.name, inputs, outputs, batch: spec.batch, fuse: spec.fuse })
}

/**
 * The whole transformer (embed → every block → final) as one graph: the yardstick the benchmark
 * holds segments against. Inputs are the embed graph's; the output is `velocity`.
 */
export function compileWholeTransformer(
  embed: ModelProto,
  blocks: readonly BlockGraph[],
  final: ModelProto,
  batch?: number,
  fuse?: boolean
): Uint8Array {
  const { parts, inputs, streams } = frontParts(blocks, 0, embed)
  parts.push(finalPart(final, streams.hidden, null))
  return mergeGraphs(parts, { name: 'transformer', inputs, outputs: ['velocity'], batch, fuse })
}

/**
 * A transformer's embed or final graph alone, fused as the segments are (MergeSpec.fuse): a call
 * that runs it on its own (a cached step with Bn = 0 runs the final graph so) computes what the
 * same graph computes inside a segment, to the bit.
 */
export function compilePiece(model: ModelProto, name: string): Uint8Array {
  const inputs = graphInputNames(model)
  const outputs = graphOutputNames(model)
  const part: GraphPart = { model, prefix: 'piece/', inputs: identity(inputs), outputs: identity(outputs) }
  return mergeGraphs([part], { name, inputs, outputs })
}

/**
 * The parts up to the last block: the embed graph (when given) and the wired blocks, with the
 * merged graph's inputs and the outputs the embed graph adds.
 */
function frontParts(blocks: readonly BlockGraph[], firstIndex: number, embed: ModelProto | undefined) {
  const first = PATTERN_IO[blocks[0].pattern]
  if (!embed) {
    const start = { hidden: HIDDEN, encoder: first.takesEncoder ? ENCODER : null }
    const { parts, contexts, streams } = wireBlocks(blocks, start, firstIndex)
    const inputs = [HIDDEN, ...(first.takesEncoder ? [ENCODER] : []), ...contexts]
    return { parts, inputs, outputs: [] as string[], streams }
  }
  const inputs = graphInputNames(embed)
  const embedOut = graphOutputNames(embed)
  const embedPart: GraphPart = {
    model: embed,
    prefix: 'embed/',
    inputs: identity(inputs),
    outputs: identity(embedOut)
  }
  const start = { hidden: HIDDEN, encoder: embedOut.includes(ENCODER) ? ENCODER : null }
  const { parts, streams } = wireBlocks(blocks, start, firstIndex)
  return { parts: [embedPart, ...parts], inputs, outputs: [...embedOut], streams }
}

/**
 * The final graph reading the hidden stream `hidden`. Its context tensors come from the embed
 * part when there is one; otherwise they are graph inputs, added to `inputs`.
 */
function finalPart(final: ModelProto, hidden: string, inputs: string[] | null): GraphPart {
  const wired: Record<string, string> = {}
  for (const input of graphInputNames(final)) {
    wired[input] = input === HIDDEN ? hidden : input
    if (inputs && input !== HIDDEN && !inputs.includes(input)) inputs.push(input)
  }
  return { model: final, prefix: 'final/', inputs: wired, outputs: { velocity: 'velocity' } }
}

/** Each name wired to itself (a part's names kept as the merged graph's). */
function identity(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, n]))
}
