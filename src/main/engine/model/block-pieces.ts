/**
 * How a block range becomes session calls (model/block-program.ts): one per block in `blocks`
 * mode; in `segments` mode one per run of at most maxSegmentBlocks blocks. ONNX Runtime's session
 * creation grows about quadratically with a graph's length (20 Wan-like blocks in one graph:
 * 12.6 s to create on our busy 2-core machine, as 2 graphs of 10: 6.2 s, 4 of 5: 3.6 s), so long
 * ranges are cut.
 */

/**
 * Longest run of blocks compiled into one graph (see above for why there is a limit). A cut
 * costs more than its session call: on the 24-block shapes-flux-tiny of the time (1 thread;
 * bench-segments) one segment ran +4 % CPU time per step over the whole transformer as one graph,
 * two segments of 12 +9 %. 40 keeps every range of our models whole (the deepest, shapes-flux-tiny, has 32
 * blocks) and bounds the creation time of bigger ones.
 */
export const DEFAULT_MAX_SEGMENT_BLOCKS = 40

/** [from, to) cut into runs of at most `size` blocks, in order. */
export function blockPieces(from: number, to: number, size: number): [number, number][] {
  const pieces: [number, number][] = []
  for (let a = from; a < to; a += size) pieces.push([a, Math.min(to, a + size)])
  return pieces
}

/** Throws unless [from, to) is a range of the `blockCount` blocks `label` names. */
export function checkBlockRange(from: number, to: number, blockCount: number, label: string): void {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > blockCount || from > to) {
    throw new Error(`${label}: bad block range [${from}, ${to}) of ${blockCount}`)
  }
}
