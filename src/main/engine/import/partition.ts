import { EngineFailure } from '../errors'
import type { GraphIndex } from './graph-index'
import { listItem, type Scope } from './scopes'

/**
 * Node → segment: 0 the embed graph, 1..B the blocks in run order (list by list), B+1 the final
 * graph. Block lists are found generically: top-level scopes `<name>.<int>` with indices 0..n-1
 * form a list (FLUX: transformer_blocks, single_transformer_blocks; Wan: blocks), ordered by
 * where they start in the graph. Scoped nodes before the first block are embed, after the last
 * final; nodes without scope (constants, optimizer-made Splits, converter casts) and top-level
 * ops between the blocks join their earliest reader's segment.
 */

export interface BlockList {
  name: string
  size: number
  /** Segment of its block 0. */
  firstSegment: number
}

export interface Partition {
  /** Segment of each node (index order of GraphIndex.nodes); -1: nothing reads it (dropped). */
  segment: number[]
  lists: BlockList[]
  blocks: number
  finalSegment: number
  /** Segment of each block, for messages: `transformer_blocks.3`. */
  segmentName(s: number): string
}

export function assignSegments(index: GraphIndex, scopes: readonly Scope[], file: string): Partition {
  const n = index.nodes.length
  const items = scopes.map((s) => (s.kind === 'module' ? listItem(s.top) : null))
  const lists = findLists(items, file)
  if (lists.length === 0) {
    throw new EngineFailure(
      'model_invalid',
      `${file}: no block lists found in the graph's module scopes (no top-level scope like "transformer_blocks.0")`
    )
  }
  const firstSegment = new Map<string, number>()
  let next = 1
  for (const l of lists) {
    firstSegment.set(l.name, next)
    l.firstSegment = next
    next += l.size
  }
  const blocks = next - 1
  const finalSegment = blocks + 1
  const segment = new Array<number>(n).fill(-2) // -2: not yet known
  let firstBlockPos = n
  let lastBlockPos = -1
  items.forEach((item, i) => {
    if (!item) return
    segment[i] = (firstSegment.get(item[0]) as number) + item[1]
    firstBlockPos = Math.min(firstBlockPos, i)
    lastBlockPos = Math.max(lastBlockPos, i)
  })
  scopes.forEach((s, i) => {
    if (segment[i] !== -2 || s.kind === 'none') return
    if (i < firstBlockPos) segment[i] = 0
    else if (i > lastBlockPos) segment[i] = finalSegment
  })
  // The rest take their earliest reader's segment; walking backwards, readers come first.
  const graphOutputs = new Set(index.outputs.map((o) => o.name ?? ''))
  for (let i = n - 1; i >= 0; i--) {
    if (segment[i] !== -2) continue
    let s = Infinity
    for (const o of index.nodes[i].output ?? []) {
      if (graphOutputs.has(o)) s = Math.min(s, finalSegment)
      for (const c of index.consumers.get(o) ?? []) if (segment[c] >= 0) s = Math.min(s, segment[c])
    }
    segment[i] = s === Infinity ? -1 : s
  }
  const names = new Map<number, string>()
  for (const l of lists) for (let k = 0; k < l.size; k++) names.set(l.firstSegment + k, `${l.name}.${k}`)
  const segmentName = (s: number) =>
    s === 0 ? 'the embedder' : s === finalSegment ? 'the tail' : (names.get(s) ?? `segment ${s}`)
  return { segment, lists, blocks, finalSegment, segmentName }
}

function findLists(items: readonly ([string, number] | null)[], file: string): BlockList[] {
  const seen = new Map<string, { first: number; indices: Set<number> }>()
  items.forEach((item, i) => {
    if (!item) return
    const entry = seen.get(item[0]) ?? { first: i, indices: new Set<number>() }
    entry.indices.add(item[1])
    seen.set(item[0], entry)
  })
  const lists: BlockList[] = []
  for (const [name, { first, indices }] of [...seen].sort((a, b) => a[1].first - b[1].first)) {
    const size = Math.max(...indices) + 1
    if (indices.size !== size) {
      const missing = [...Array(size).keys()].filter((k) => !indices.has(k))
      throw new EngineFailure(
        'model_invalid',
        `${file}: block list "${name}" has no nodes for block ${missing.slice(0, 5).join(', ')} (indices must run 0..${size - 1})`
      )
    }
    void first
    lists.push({ name, size, firstSegment: 0 })
  }
  return lists
}
