/**
 * The block lists a transformer's cache contexts see (docs/cache-algorithm.md §5): one context per
 * list, or, where the lists are merged, one context over all of them in order, named 'a+b' as
 * CacheDiT's FLUX adapter names it. The engine builds its block programs from these
 * (model/loaded-model.ts), the renderer's cache form checks a config's Fn and Bn and its
 * cross-block reads against them (store/cache-form.ts): one naming and one count for both.
 */

/** One cache context's list. */
export interface ContextList {
  /** The list's own name, or the merged lists' names joined by '+'. */
  name: string
  /** How many blocks the context runs. */
  blocks: number
  /** The transformer's lists it spans, by index, in order (one unless merged). */
  lists: readonly number[]
}

/** The contexts' lists for a transformer's `lists` (names and block counts), merged or as they are. */
export function contextLists(
  lists: readonly { name: string; blocks: number }[],
  merged: boolean
): ContextList[] {
  if (!merged) return lists.map((l, i) => ({ name: l.name, blocks: l.blocks, lists: [i] }))
  return [
    {
      name: lists.map((l) => l.name).join('+'),
      blocks: lists.reduce((n, l) => n + l.blocks, 0),
      lists: lists.map((_, i) => i)
    }
  ]
}
