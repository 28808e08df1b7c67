// vitest 5's reporter calls Map.groupBy (Node 21+) when it prints a failure; on Node 20 the
// report itself then crashes and hides the error. Loaded by the vitest configs; remove with Node 20.
if (!Map.groupBy) {
  Map.groupBy = (items, key) => {
    const groups = new Map()
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      groups.set(k, [...(groups.get(k) ?? []), item])
    }
    return groups
  }
}
