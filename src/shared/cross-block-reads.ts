import { z } from 'zod'
import { contextLists } from './context-lists'

/**
 * Cross-block reads: a block that reads a tensor an earlier block of its list made which is not
 * one of the residual streams: from a non-adjacent block, or, where later blocks read it too,
 * from the previous one (docs/model-package.md, "Imported packages"). The importer gives the
 * producer's cut graph the tensor as one more output and the reader's as one more input; the
 * segment compiler connects them where one compiled range holds both blocks (model/segments.ts).
 * A range without the producer cannot get the tensor, so a cache config that runs the two blocks
 * in different ranges, or skips the producer while it runs the reader, is refused before step 0
 * with the tensor named.
 */

/** At most this many per transformer (a manifest is untrusted input). */
export const MAX_CROSS_READS = 256

/** One read as the imported manifest records it: block indices in the list, from 0. */
export const CrossBlockReadSchema = z
  .object({
    /** The tensor's name in the source graph (and, renamed as the cut renames, in the cut graphs). */
    tensor: z.string().min(1).max(1000),
    /** The block list both blocks belong to. */
    list: z.string().min(1).max(200),
    /** The producing block. */
    from: z.number().int().min(0).max(1023),
    /** The reading block, after the producer. */
    to: z.number().int().min(1).max(1023)
  })
  .strict()
  .refine((r) => r.to > r.from, { message: 'a cross-block read is made before it is read' })
export type CrossBlockRead = z.infer<typeof CrossBlockReadSchema>

export const CrossBlockReadsSchema = z.array(CrossBlockReadSchema).max(MAX_CROSS_READS)

/** A read in a cache context's numbering (merged lists count on across the lists). */
export interface ContextCrossRead {
  tensor: string
  from: number
  to: number
  /** `single_transformer_blocks.0`: the blocks as the import named them. */
  fromName: string
  toName: string
}

/** What the check needs of a context: its reads and how its ranges are cut into sessions. */
export interface CrossReadLayout {
  reads: readonly ContextCrossRead[]
  /** One session per block (`blocks` mode, the benchmark's baseline): nothing connects. */
  perBlock: boolean
  /** Longest run of blocks compiled into one graph (BlockProgram's maxSegmentBlocks). */
  maxSegmentBlocks: number
}

/**
 * Each context's reads, for the contexts `lists` make: one merged context of every list, or one
 * per list (shared/context-lists.ts). A read whose list is not among them is dropped
 * (the manifest check refuses such a package first).
 */
export function contextCrossReads(
  lists: readonly { name: string; blocks: number }[],
  merged: boolean,
  reads: readonly CrossBlockRead[]
): ContextCrossRead[][] {
  const contexts = contextLists(lists, merged)
  const offsets = new Map<string, { context: number; offset: number }>()
  contexts.forEach((c, context) => {
    let offset = 0
    for (const j of c.lists) {
      offsets.set(lists[j].name, { context, offset })
      offset += lists[j].blocks
    }
  })
  const out: ContextCrossRead[][] = contexts.map(() => [])
  for (const r of reads) {
    const at = offsets.get(r.list)
    if (!at) continue
    out[at.context].push({
      tensor: r.tensor,
      from: at.offset + r.from,
      to: at.offset + r.to,
      fromName: `${r.list}.${r.from}`,
      toName: `${r.list}.${r.to}`
    })
  }
  return out
}

/** The cache's switches the ranges depend on (CacheConfig's, without importing it: no cycle). */
interface RangeConfig {
  enabled: boolean
  Fn: number
  Bn: number
}

/**
 * Null when every read's producer and reader run in the same compiled graph under this config;
 * else why not, for the first read that fails. The ranges are the ones the engine compiles
 * (pipeline/family-loop.ts, prepareSegments; cache/dbcache.ts runs them): [0, N) with the cache
 * off, else [0, Fn), [Fn, N − Bn) and [N − Bn, N), whatever TaylorSeer, the CFG lanes or the
 * CFG batch (which run the same ranges), each cut into sessions of at most maxSegmentBlocks.
 * Fn and Bn are taken to fit (checkBlockBudget checks that first).
 */
export function crossReadProblem(
  config: RangeConfig,
  blockCount: number,
  listName: string,
  layout: CrossReadLayout
): string | null {
  if (layout.reads.length === 0) return null
  const n = blockCount
  const ranges: [number, number][] = config.enabled
    ? [
        [0, config.Fn],
        [config.Fn, n - config.Bn],
        [n - config.Bn, n]
      ]
    : [[0, n]]
  const size = layout.perBlock ? 1 : Math.max(1, layout.maxSegmentBlocks)
  const rangeOf = (b: number) => ranges.findIndex(([a, z]) => b >= a && b < z)
  const pieceOf = (b: number) => Math.floor((b - ranges[rangeOf(b)][0]) / size)
  const middle = 1
  for (const r of layout.reads) {
    if (r.to >= n || r.from < 0) continue
    const [rf, rt] = [rangeOf(r.from), rangeOf(r.to)]
    if (rf === rt && pieceOf(r.from) === pieceOf(r.to)) continue
    const line = `in ${listName}, block ${r.to} (${r.toName}) reads "${r.tensor}" made in block ${r.from} (${r.fromName})`
    if (config.enabled && rf === middle && rt !== middle)
      return `${line}, which this config skips on cached steps`
    if (layout.perBlock) return `${line}, and one session per block cannot hand it over`
    if (rf !== rt) {
      const [a, b] = [ranges[rf], ranges[rt]]
      return `${line}, which this config runs in another compiled range (blocks [${a[0]}, ${a[1]}), the reader [${b[0]}, ${b[1]})): a range cannot hand it to another`
    }
    return `${line}, which falls in another piece of its range (compiled in pieces of at most ${size} blocks): a piece cannot hand it to another`
  }
  return null
}
