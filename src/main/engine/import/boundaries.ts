import type { ForwardPattern } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import type { GraphIndex } from './graph-index'
import { externalReads, matchPair, pattern, rankInSegment, valueDependencies } from './boundary-walks'
import type { Partition } from './partition'
import { MAX_CROSS_READS } from '../../../shared/cross-block-reads'

/**
 * What crosses each cut once the graph is partitioned: the residual streams and the context
 * tensors. Three steps (the diffusers fixtures' README, "What the graphs look like at block
 * boundaries", is the map):
 * 1. The streams entering block 0 are the embedder's tensors block 0 reads whose values come
 *    from the graph's latent input (hidden) and text input (encoder).
 * 2. Hoist: a block (or tail) node that does not depend on any stream and is read by another
 *    segment is shared work the exporter merged across blocks (FLUX's silu(temb) and RoPE
 *    reshapes made in block 0 and read by all later blocks, dynamo's shape tensors, Wan's chained
 *    timestep Cast, SD3's tail Cast). It moves into the embed graph, with the stream-independent
 *    nodes it needs, and its output becomes a context tensor. Nodes that depend on no stream but
 *    are read only inside their block (each block's AdaLN modulation) stay: hoisting those would
 *    compute every block's modulation even when the cache skips the block.
 *    Where the text states are not a residual stream (FamilyGraphSpec.encoderStream), they count
 *    as stream-independent here: what is made from them alone is the same for every block.
 * 3. After hoisting, a segment may read only the streams its predecessor returns and context
 *    tensors (and, for `unchanged`, the embedder's text states), and a block also what an
 *    earlier block of its own list made that is no stream (a cross-block read: from a
 *    non-adjacent block, or from the previous one where later blocks read it too; recorded, and
 *    only cache configs that run both blocks in one compiled range can run it); anything else is
 *    refused with the tensor named. Which of two streams is the hidden
 *    one is told from how the next block of the same list reads them (the blocks of a list are
 *    the same code, so they read their streams with the same ops in the same places), or at the
 *    end of a list from which op of the block made them.
 */

export interface FamilyGraphSpec {
  /** Graph inputs the streams come from. */
  hiddenInput: string
  encoderInput: string
  /** Output order when a block returns both streams (CacheDiT: FLUX's blocks return encoder first). */
  bothOrder: 'hidden-first' | 'encoder-first'
  /**
   * What the text states are to the blocks (docs/model-package.md, "Imported packages"):
   * - `residual` (default): a stream each block updates and hands on (FLUX, SD3, Qwen-Image);
   * - `unchanged`: every block reads the embedder's text states and returns only the hidden
   *   stream (cross-attention: Wan; CacheDiT's Pattern_2, the encoder stream passes through);
   * - `context`: the same, but the blocks take the text states as a context tensor, not as a
   *   stream (PixArt; CacheDiT's Pattern_3, blocks with hidden_states as their only stream).
   * In the last two, work on the text states alone that the exporter merged across blocks is
   * hoisted like the timestep's.
   */
  encoderStream?: 'residual' | 'unchanged' | 'context'
}

/** The cut of a family's transformer graphs and the engine names of its embed inputs (emit.ts). */
export interface FamilyCutSpec extends FamilyGraphSpec {
  /** Engine embed input name → the exporter's graph input (`latent` → `hidden_states`). */
  inputNames: Record<string, string>
  /** Rank of the residual streams at the cuts ([B, N, C]: 3). */
  streamRank: number
}

export interface StreamPair {
  hidden: string
  /** null where no encoder stream flows. */
  encoder: string | null
}

export interface Boundaries {
  /** streams[b]: the streams entering segment b+1 (b = 0: the embedder's outputs). */
  streams: StreamPair[]
  /** Blocks whose encoder output the exporter dropped (nothing read it): it returns its input. */
  encoderPassThrough: Set<number>
  /** Tensors (original names) made in the embed graph or graph inputs, read by segment ≥ 1. */
  contexts: Map<string, { type: number; readBy: Set<number> }>
  /** Constant nodes read by segments other than their own: copied into each. */
  replicated: Map<number, number[]>
  /** Context tensors each segment reads. */
  contextsOf: Map<number, string[]>
  patterns: ForwardPattern[]
  hoisted: number[]
  /** Tensors a block reads from an earlier block of its list that are no stream, in reading order. */
  crossReads: CrossRead[]
}

/** `tensor` (its original name) made in segment `from`, read in segment `to` > from. */
export interface CrossRead {
  tensor: string
  from: number
  to: number
}

export function analyseBoundaries(
  index: GraphIndex,
  part: Partition,
  spec: FamilyGraphSpec,
  file: string
): Boundaries {
  const fail = (problem: string): never => {
    throw new EngineFailure('model_invalid', `${file}: ${problem}`)
  }
  const seg = part.segment
  const inputNames = index.inputs.map((v) => v.name ?? '')
  const hiddenBit = inputNames.indexOf(spec.hiddenInput)
  const encoderBit = inputNames.indexOf(spec.encoderInput)
  if (hiddenBit < 0) fail(`has no input "${spec.hiddenInput}" (inputs: ${inputNames.join(', ')})`)
  const deps = valueDependencies(index, [hiddenBit, encoderBit])
  const isConstant = (p: number | undefined) =>
    p !== undefined && index.nodes[p].opType === 'Constant' && index.reads[p].length === 0

  // 1. Streams entering block 0.
  const firstReads = externalReads(index, seg, 1)
  const h0 = [...firstReads].filter((t) => (deps.get(t) ?? 0) & 1)
  const e0 = [...firstReads].filter((t) => (deps.get(t) ?? 0) & 2)
  const both = h0.filter((t) => e0.includes(t))
  if (both.length > 0)
    fail(
      `${part.segmentName(1)} reads "${both[0]}", which mixes the latent and text inputs: no separate streams`
    )
  if (h0.length !== 1)
    fail(
      `${part.segmentName(1)} reads ${h0.length} tensors made from the latent input (${h0.slice(0, 4).join(', ')}); expected one hidden stream`
    )
  if (e0.length > 1)
    fail(
      `${part.segmentName(1)} reads ${e0.length} tensors made from the text input; expected one encoder stream`
    )
  const streamSources = new Set([h0[0], ...e0])
  const encoderMode = spec.encoderStream ?? 'residual'
  // The text states entering block 0 when they are no residual stream: read by every block as made.
  const text = encoderMode === 'residual' ? null : (e0[0] ?? null)
  const varying = new Set(text === null ? streamSources : [h0[0]])

  // 2. Hoisting.
  const dependent = new Uint8Array(index.nodes.length)
  index.nodes.forEach((_, i) => {
    if (seg[i] <= 0) return
    if (
      index.reads[i].some(
        (r) => varying.has(r) || (index.producer.has(r) && dependent[index.producer.get(r) as number])
      )
    )
      dependent[i] = 1
  })
  const hoist = new Set<number>()
  const stack: number[] = []
  index.nodes.forEach((node, i) => {
    if (seg[i] <= 0 || dependent[i] || isConstant(i)) return
    const readElsewhere = (node.output ?? []).some((o) =>
      (index.consumers.get(o) ?? []).some((c) => seg[c] >= 0 && seg[c] !== seg[i])
    )
    if (readElsewhere) stack.push(i)
  })
  while (stack.length > 0) {
    const i = stack.pop() as number
    if (hoist.has(i)) continue
    hoist.add(i)
    for (const r of index.reads[i]) {
      const p = index.producer.get(r)
      if (p !== undefined && seg[p] > 0 && !isConstant(p)) stack.push(p)
    }
  }
  for (const i of hoist) seg[i] = 0

  // 3. What each segment reads from outside.
  const contexts = new Map<string, { type: number; readBy: Set<number> }>()
  const contextsOf = new Map<number, string[]>()
  const replicated = new Map<number, number[]>()
  const fromPrevious: Set<string>[] = []
  const readsText = new Set<number>()
  const graphInputs = new Set(inputNames)
  // Hoisted nodes may read constants of the block they came from: the embed graph copies them too.
  for (const t of externalReads(index, seg, 0)) {
    const p = index.producer.get(t)
    if (isConstant(p)) replicated.set(p as number, [...(replicated.get(p as number) ?? []), 0])
  }
  const crossReads: CrossRead[] = []
  const listIndex = (s: number) =>
    part.lists.findIndex((l) => s >= l.firstSegment && s < l.firstSegment + l.size)
  // A block reading what an earlier block of its list made, not its streams (from a non-adjacent
  // block, or shared with one: below): an extra output of the producer's graph and an extra input
  // of the reader's, which a segment holding both connects (model/segments.ts); the cache configs
  // that would part them are refused (shared/cross-block-reads.ts).
  const crossRead = (t: string, from: number, s: number): void => {
    const where = `${part.segmentName(s)} reads "${t}", made in ${part.segmentName(from)}`
    if (from > s) fail(`${where}, a later block: the blocks are not a chain`)
    if (from === 0)
      fail(
        `${where}: only the first block may read the embedder's streams (export the model without cross-block sharing)`
      )
    if (s === part.finalSegment)
      fail(
        `${where}: the tail may read only the last block's streams and the embedder's tensors (export the model without cross-block sharing)`
      )
    if (listIndex(from) !== listIndex(s))
      fail(
        `${where}, of another block list: a block may read what earlier blocks made from its own list only (export the model without cross-block sharing)`
      )
    if (crossReads.length >= MAX_CROSS_READS) fail(`${where}: more than ${MAX_CROSS_READS} cross-block reads`)
    crossReads.push({ tensor: t, from, to: s })
  }
  for (let s = 1; s <= part.finalSegment; s++) {
    const prev = new Set<string>()
    const ctx: string[] = []
    for (const t of externalReads(index, seg, s)) {
      const p = index.producer.get(t)
      if (isConstant(p)) {
        const list = replicated.get(p as number) ?? []
        list.push(s)
        replicated.set(p as number, list)
        continue
      }
      const from = p === undefined ? 0 : seg[p]
      if (p === undefined && !graphInputs.has(t)) continue
      // Unchanged text states reach a block as its encoder stream (the tail takes them as a context).
      if (t === text && encoderMode === 'unchanged' && s < part.finalSegment) {
        readsText.add(s)
        continue
      }
      if (from === 0 && (!streamSources.has(t) || t === text)) {
        ctx.push(t)
        const entry = contexts.get(t) ?? { type: index.elemType(t), readBy: new Set<number>() }
        entry.readBy.add(s)
        contexts.set(t, entry)
      } else if (from === s - 1) prev.add(t)
      else crossRead(t, from, s)
    }
    fromPrevious[s] = prev
    contextsOf.set(s, ctx)
  }
  // A tensor that later blocks read too (work the exporter shared across blocks) may also be read
  // by the next block: where the cut then carries more than the previous one and the rest are
  // as many as that, it is an adjacent cross-block read, not a stream; otherwise it stays a
  // candidate stream and the checks below refuse what cannot be told apart.
  const crossTensors = new Set(crossReads.map((r) => r.tensor))
  for (let s = 2; s < part.finalSegment; s++) {
    const prev = fromPrevious[s]
    const expected = s === 2 ? (text === null ? streamSources.size : 1) : fromPrevious[s - 1].size
    const shared = [...prev].filter((t) => crossTensors.has(t))
    if (prev.size <= expected || shared.length === 0 || prev.size - shared.length !== expected) continue
    if (listIndex(s - 1) !== listIndex(s)) continue
    for (const t of shared) {
      prev.delete(t)
      crossRead(t, s - 1, s)
    }
  }
  crossReads.sort((a, b) => a.to - b.to || a.from - b.from)
  for (let s = 1; s <= part.finalSegment; s++) {
    const prev = fromPrevious[s]
    if (prev.size === 0)
      fail(`${part.segmentName(s)} reads nothing from ${part.segmentName(s - 1)}: the blocks are not a chain`)
    if (prev.size > 2)
      fail(
        `${part.segmentName(s)} reads ${prev.size} tensors from ${part.segmentName(s - 1)} (${[...prev].slice(0, 4).join(', ')}); a cut carries at most the two residual streams`
      )
  }

  // 4. Roles of the streams at each boundary.
  const ranks = rankInSegment(index, seg)
  const consumerSig = (t: string, s: number) =>
    (index.consumers.get(t) ?? [])
      .filter((c) => seg[c] === s)
      .map((c) => `${index.nodes[c].opType}#${ranks[c]}:${(index.nodes[c].input ?? []).indexOf(t)}`)
      .sort()
      .join(',')
  const producerSig = (t: string) => {
    const p = index.producer.get(t)
    return p === undefined
      ? ''
      : `${index.nodes[p].opType}#${ranks[p]}:${(index.nodes[p].output ?? []).indexOf(t)}`
  }
  const graphOutputs = new Set(index.outputs.map((o) => o.name ?? ''))
  const unread = (t: string) => !index.consumers.has(t) && !graphOutputs.has(t)
  const listOf = (s: number) => part.lists.find((l) => s >= l.firstSegment && s < l.firstSegment + l.size)
  const sameList = (a: number, b: number) =>
    a >= 1 && b >= 1 && listOf(a) !== undefined && listOf(a) === listOf(b)
  const streams: StreamPair[] = [
    { hidden: h0[0], encoder: encoderMode === 'context' ? null : (e0[0] ?? null) }
  ]
  const encoderPassThrough = new Set<number>()
  const takes: boolean[] = []
  const returns: boolean[] = []
  for (let b = 1; b <= part.blocks; b++) {
    const read = [...fromPrevious[b + 1]]
    const before = streams[b - 1]
    const blockReads = b === 1 ? firstReads : fromPrevious[b]
    if (text !== null) {
      // The text states are no residual stream: only the hidden one crosses the cut.
      if (read.length !== 1)
        return fail(
          `${part.segmentName(b + 1)} reads ${read.length} tensors from ${part.segmentName(b)} (${read.slice(0, 4).join(', ')}); with the text states read from the embedder only the hidden stream may cross a cut`
        )
      takes[b] = encoderMode === 'unchanged' && readsText.has(b)
      returns[b] = false
      streams.push({ hidden: read[0], encoder: before.encoder })
      continue
    }
    takes[b] = before.encoder !== null && blockReads.has(before.encoder)
    let pair: StreamPair | null = null
    if (read.length === 1) pair = { hidden: read[0], encoder: null }
    else if (before.encoder) {
      if (sameList(b, b + 1))
        pair = matchPair(
          read,
          (t) => consumerSig(t, b + 1),
          consumerSig(before.hidden, b),
          consumerSig(before.encoder, b)
        )
      if (!pair && b >= 2 && sameList(b - 1, b))
        pair = matchPair(read, producerSig, producerSig(before.hidden), producerSig(before.encoder))
    }
    if (!pair)
      return fail(`cannot tell the hidden stream from the encoder stream leaving ${part.segmentName(b)}`)
    if (pair.encoder === null && takes[b]) {
      // An encoder stream nobody reads next (FLUX's last block returns it unused): the unread
      // output of the op that made the previous block's; where the exporter dropped it (TorchScript
      // does), the block returns its input, which nothing downstream reads either.
      const wanted = b >= 2 && sameList(b - 1, b) && before.encoder ? producerSig(before.encoder) : ''
      const made = wanted
        ? index.nodes.flatMap((n, i) =>
            seg[i] === b ? (n.output ?? []).filter((o) => producerSig(o) === wanted && unread(o)) : []
          )
        : []
      if (made.length === 1 && made[0] !== pair.hidden) pair.encoder = made[0]
      else encoderPassThrough.add(b)
    }
    returns[b] = encoderPassThrough.has(b) || (pair.encoder !== null && pair.encoder !== before.encoder)
    if (pair.encoder === null) pair.encoder = before.encoder
    streams.push(pair)
  }

  // 5. Each list's forward pattern: every block of a list must take and return the same streams.
  const patterns = part.lists.map((l) => {
    const range = [...Array(l.size).keys()].map((k) => l.firstSegment + k)
    const t = new Set(range.map((s) => takes[s]))
    const r = new Set(range.map((s) => returns[s]))
    if (t.size > 1 || r.size > 1)
      fail(`the blocks of "${l.name}" do not all take and return the same streams`)
    return pattern(takes[l.firstSegment], returns[l.firstSegment], spec.bothOrder)
  })
  return {
    streams,
    encoderPassThrough,
    contexts,
    replicated,
    contextsOf,
    patterns,
    hoisted: [...hoist].sort((a, b) => a - b),
    crossReads
  }
}
