import type { ForwardPattern } from '../../../shared/manifest'
import type { GraphIndex } from './graph-index'

/** The graph walks boundaries.ts makes: what a segment reads, ranks, value dependencies, patterns. */

export function pattern(
  takesEncoder: boolean,
  returnsEncoder: boolean,
  order: 'hidden-first' | 'encoder-first'
): ForwardPattern {
  if (takesEncoder && returnsEncoder) return order === 'encoder-first' ? 'Pattern_1' : 'Pattern_0'
  if (takesEncoder) return 'Pattern_2'
  if (returnsEncoder) return order === 'encoder-first' ? 'Pattern_5' : 'Pattern_4'
  return 'Pattern_3'
}

export function matchPair(
  read: string[],
  sig: (t: string) => string,
  hiddenSig: string,
  encoderSig: string
): { hidden: string; encoder: string } | null {
  if (hiddenSig === encoderSig) return null
  const hidden = read.filter((t) => sig(t) === hiddenSig)
  const encoder = read.filter((t) => sig(t) === encoderSig)
  if (hidden.length !== 1 || encoder.length !== 1 || hidden[0] === encoder[0]) return null
  return { hidden: hidden[0], encoder: encoder[0] }
}

/** Tensors nodes of segment s read that no node of s makes (initializers excluded). */
export function externalReads(index: GraphIndex, seg: readonly number[], s: number): Set<string> {
  const out = new Set<string>()
  index.nodes.forEach((_, i) => {
    if (seg[i] !== s) return
    for (const r of index.reads[i]) {
      if (index.initializers.has(r)) continue
      const p = index.producer.get(r)
      if (p === undefined || seg[p] !== s) out.add(r)
    }
  })
  return out
}

/** Each node's rank among the nodes of its segment with the same op, counted from the end. */
export function rankInSegment(index: GraphIndex, seg: readonly number[]): number[] {
  const counters = new Map<string, number>()
  const ranks = new Array<number>(index.nodes.length).fill(-1)
  for (let i = index.nodes.length - 1; i >= 0; i--) {
    const key = `${seg[i]}/${index.nodes[i].opType}`
    const k = counters.get(key) ?? 0
    ranks[i] = k
    counters.set(key, k + 1)
  }
  return ranks
}

/**
 * For each tensor, which of the given graph inputs its values come from (bit k: inputs[k]).
 * Shape and Size read only their input's shape, so a shape tensor depends on no stream.
 */
export function valueDependencies(index: GraphIndex, inputBits: number[]): Map<string, number> {
  const deps = new Map<string, number>()
  inputBits.forEach((pos, bit) => {
    if (pos >= 0) deps.set(index.inputs[pos].name ?? '', 1 << bit)
  })
  index.nodes.forEach((node, i) => {
    if (node.opType === 'Shape' || node.opType === 'Size') return
    let d = 0
    for (const r of index.reads[i]) d |= deps.get(r) ?? 0
    if (d) for (const o of node.output ?? []) deps.set(o, d)
  })
  return deps
}
