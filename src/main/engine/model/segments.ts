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
      } else {
        inputs[name] = name
        contexts.add(name)
      }
    }
    parts.push({ model: block.model, prefix, inputs, outputs: {} })
    streams = {
      hidden: prefix + HIDDEN_OUT,
      encoder: io.returnsEncoder ? prefix + ENCODER_OUT : streams.encoder
    }
  })
  return { parts, contexts: [...contexts], streams }
}

/**
 * One graph for blocks[0..n): inputs `hidden_states` (+ `encoder_hidden_states` when the first
 * block reads it) + context tensors; outputs the pattern's outputs of the last block. With
 * `final`, the transformer's final graph is appended and `velocity` is one more output.
 */
export function compileSegment(
  blocks: readonly BlockGraph[],
  firstIndex: number,
  name: string,
  final?: ModelProto,
  batch?: number
): Uint8Array {
  if (blocks.length === 0) throw new Error('a segment needs at least one block')
  const first = PATTERN_IO[blocks[0].pattern]
  const last = PATTERN_IO[blocks[blocks.length - 1].pattern]
  const start = { hidden: HIDDEN, encoder: first.takesEncoder ? ENCODER : null }
  const { parts, contexts } = wireBlocks(blocks, start, firstIndex)
  const lastPart = parts[parts.length - 1]
  for (const out of last.outputs) lastPart.outputs[out] = out
  const inputs = [HIDDEN, ...(first.takesEncoder ? [ENCODER] : []), ...contexts]
  if (!final) return mergeGraphs(parts, { name, inputs, outputs: last.outputs, batch })
  const finalInputs: Record<string, string> = {}
  for (const input of graphInputNames(final)) {
    finalInputs[input] = input === HIDDEN ? HIDDEN_OUT : input
    if (input !== HIDDEN && !inputs.includes(input)) inputs.push(input)
  }
  const finalPart: GraphPart = {
    model: final,
    prefix: 'final/',
    inputs: finalInputs,
    outputs: { velocity: 'velocity' }
  }
  return mergeGraphs([...parts, finalPart], {
    name,
    inputs,
    outputs: [...last.outputs, 'velocity'],
    batch
  })
}

/**
 * The whole transformer (embed → every block → final) as one graph: the yardstick the benchmark
 * holds segments against. Inputs are the embed graph's; the output is `velocity`.
 */
export function compileWholeTransformer(
  embed: ModelProto,
  blocks: readonly BlockGraph[],
  final: ModelProto,
  batch?: number
): Uint8Array {
  const embedInputs = graphInputNames(embed)
  const identity = (names: string[]) => Object.fromEntries(names.map((n) => [n, n]))
  const embedOut = graphOutputNames(embed)
  const embedPart: GraphPart = {
    model: embed,
    prefix: 'embed/',
    inputs: identity(embedInputs),
    outputs: identity(embedOut)
  }
  const start = { hidden: HIDDEN, encoder: embedOut.includes(ENCODER) ? ENCODER : null }
  const { parts, streams } = wireBlocks(blocks, start, 0)
  const finalInputs: Record<string, string> = {}
  for (const name of graphInputNames(final)) finalInputs[name] = name === HIDDEN ? streams.hidden : name
  const finalOut = graphOutputNames(final)
  const finalPart: GraphPart = {
    model: final,
    prefix: 'final/',
    inputs: finalInputs,
    outputs: identity(finalOut)
  }
  return mergeGraphs([embedPart, ...parts, finalPart], {
    name: 'transformer',
    inputs: embedInputs,
    outputs: finalOut,
    batch
  })
}
